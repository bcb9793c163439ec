{#
    Helpers for incremental models. Raw tables are append-only and every staged row carries the
    `loaded_at` of its batch, so "new since the last run" is "loaded after the newest load already
    in this model's table" (the watermark).
#}

{#
    The newest loaded_at already in this model's table (or `relation`), as a literal
    ('-infinity' when empty).
    Read when the model runs and written into the SQL as a constant, so the planner sizes the
    "new rows" filter from statistics (behind a subquery it guesses a third of the table and
    picks nested loops over millions of rows).
#}
{% macro loaded_at_watermark(column='loaded_at', relation=none) -%}
    {%- if execute -%}
        {%- set found = run_query(
            'select coalesce(max(' ~ column ~ "), '-infinity')::text from " ~ (relation or this)
        ).columns[0].values()[0] -%}
        cast('{{ found }}' as timestamptz)
    {%- else -%}
        cast('-infinity' as timestamptz)
    {%- endif -%}
{%- endmacro %}

{# `expr in (values of key_column in rows of relation loaded after this model's watermark)`. #}
{% macro loaded_since_watermark(expr, relation, key_column) -%}
    {{ expr }} in (
        select new_rows.{{ key_column }}
        from {{ relation }} as new_rows
        where new_rows.loaded_at > {{ loaded_at_watermark() }}
    )
{%- endmacro %}

{#
    post-hook for every model: refresh the planner's statistics of a table it just built or
    changed. Without them, the next models' joins are planned blind (autovacuum analyzes late).
#}
{% macro analyze_built_table() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
