{#
    Test scoping for incremental builds.

    After a full build has passed its tests, re-testing every historical row on each daily build
    costs as much as the build itself. So: a build whose every selected node succeeded records,
    in `<target schema>.dbt_tested_loads`, the raw batches it covered (the newest
    raw._batches.loaded_at visible when it started). A later build then runs its row-level
    generic tests on models that carry `loaded_at` (staging, row-level intermediates, facts)
    only over rows loaded after that mark:
      - not_null, accepted_values, relationships (child rows), not_negative, expression_is_true:
        the new rows;
      - unique: every row whose key occurs among the new rows, so a key re-sent in a later
        batch still fails;
      - unique_combination_of_columns: every row sharing the model's incremental unique_key
        (when part of the combination, else the whole combination) with a new row, so a
        combination repeated by new rows still fails.
    Singular tests that reconcile orders with their lines use `loaded_since_tested_build()` to
    check the orders touched by new rows. Everything else (tables without loaded_at, aggregates,
    dimensions, model-level tests) is tested in full as before. A failed build leaves the mark where it was, so its rows
    are tested again next time. Full scope every time: `--full-refresh`, the first build, a
    partial selection, or `--vars '{test_scope: all}'`.
#}

{% macro tested_loads_relation() -%}
    {{ target.schema }}.dbt_tested_loads
{%- endmacro %}

{# on-run-start: note which raw batches this invocation covers. #}
{% macro record_build_start() -%}
    {% if execute and flags.WHICH in ('build', 'test') %}
        create schema if not exists {{ target.schema }};
        create table if not exists {{ tested_loads_relation() }} (
            invocation_id text primary key,
            raw_loaded_through timestamptz,
            started_at timestamptz not null default now(),
            complete boolean not null default false
        );
        insert into {{ tested_loads_relation() }} (invocation_id, raw_loaded_through)
        select '{{ invocation_id }}', max(batches.loaded_at)
        from raw._batches as batches  -- the loader's ledger (warehouse/raw_ddl.py)
        on conflict (invocation_id) do nothing;
        {{ analyze_changed_raw_tables() }}
    {% endif %}
{%- endmacro %}

{#
    Planner statistics for the raw tables changed since they were last analyzed (a load since
    the last build). Without them the planner guesses that a third of a table is newer than
    the scope's mark and scans raw whole under every scoped staging test (and incremental
    model); autovacuum analyzes late, or never where it is off.
#}
{% macro analyze_changed_raw_tables() -%}
    do $analyze$
    declare
        changed record;
    begin
        for changed in
            select relid::regclass as relation
            from pg_stat_user_tables
            where schemaname = 'raw' and n_mod_since_analyze > 0
        loop
            execute format('analyze %s', changed.relation);
        end loop;
    end
    $analyze$;
{%- endmacro %}

{# on-run-end: mark the batches tested when the whole project ran and nothing failed. #}
{% macro record_build_end(results) -%}
    {% if execute and flags.WHICH in ('build', 'test') %}
        {% set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error', 'skipped']) | list %}
        {% set selected = namespace(all=true) %}
        {% for node in graph.nodes.values() %}
            {% if node.resource_type in ['model', 'test', 'snapshot', 'seed']
                and node.unique_id not in selected_resources %}
                {% set selected.all = false %}
            {% endif %}
        {% endfor %}
        {% set whole_project = selected.all %}
        {% if not failed and whole_project %}
            update {{ tested_loads_relation() }}
            set complete = true
            where invocation_id = '{{ invocation_id }}';
        {% endif %}
    {% endif %}
{%- endmacro %}

{# The model a generic test reads: its attached node (one lookup), else a search by relation. #}
{% macro scoped_test_model(relation) -%}
    {% set attached = graph.nodes.get(model.get('attached_node') or '') %}
    {% set candidates = [attached] if attached else graph.nodes.values() %}
    {% for node in candidates %}
        {% if node.resource_type == 'model'
            and (node.alias or node.name) == relation.identifier
            and node.schema == relation.schema %}
            {% do return(node) %}
        {% endif %}
    {% endfor %}
    {% do return(none) %}
{%- endmacro %}

{# The predicate selecting rows a scoped test looks at, or '' for the full table. #}
{% macro test_scope_predicate(relation) -%}
    {% if not execute or flags.WHICH not in ('build', 'test') or flags.FULL_REFRESH
        or var('test_scope', 'new_rows') == 'all' %}
        {% do return('') %}
    {% endif %}
    {% set scoped_tests = ['unique', 'unique_combination_of_columns', 'not_null', 'accepted_values', 'relationships', 'not_negative', 'expression_is_true'] %}
    {% set metadata = model.get('test_metadata') if model is mapping else none %}
    {% if not metadata or metadata.get('name') not in scoped_tests %}
        {% do return('') %}
    {% endif %}
    {% set tested = scoped_test_model(relation) %}
    {% if not tested or 'loaded_at' not in tested.columns %}
        {% do return('') %}
    {% endif %}
    {% do return('loaded_at > ' ~ tested_loads_mark()) %}
{%- endmacro %}

{#
    The columns whose values fetch a combination key's neighbourhood: the tested model's
    incremental `unique_key` when it is part of the combination (an incremental run deletes and
    rebuilds whole unique_key groups, and the model indexes it), else the combination itself.
#}
{% macro scope_neighbourhood_columns(relation, columns) -%}
    {% set tested = scoped_test_model(relation) %}
    {% set unique_key = tested.config.get('unique_key') if tested else none %}
    {% set keys = [unique_key] if unique_key is string else (unique_key or []) %}
    {% if keys and keys | reject('in', columns) | list | length == 0 %}
        {% do return(keys) %}
    {% endif %}
    {% do return(columns) %}
{%- endmacro %}

{#
    The newest raw load already covered by a fully passing build, as a literal. It cannot move
    during an invocation (only on-run-end moves it), so it is read once per invocation and kept
    in `graph` (the one dict every node's context shares), not queried again by each of the
    ~500 scoped tests. Where `graph` is not shared, each test simply reads it again.
#}
{% macro tested_loads_mark() -%}
    {%- set cache_key = 'ecom_tested_loads_mark:' ~ invocation_id -%}
    {%- if cache_key not in graph -%}
        {%- set found = run_query(
            "select coalesce(max(raw_loaded_through), '-infinity')::text from "
            ~ tested_loads_relation() ~ " where complete"
        ).columns[0].values()[0] -%}
        {%- do graph.update({cache_key: found}) -%}
    {%- endif -%}
    cast('{{ graph[cache_key] }}' as timestamptz)
{%- endmacro %}

{#
    For singular tests: a condition true for rows whose `column` (a loaded_at) is newer than the
    mark when scoping applies, else `true` (every row).
#}
{% macro loaded_since_tested_build(column) -%}
    {%- if execute and flags.WHICH in ('build', 'test') and not flags.FULL_REFRESH
        and var('test_scope', 'new_rows') != 'all' -%}
        {{ column }} > {{ tested_loads_mark() }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{# dbt calls this to build the relation a generic test reads. #}
{% macro postgres__get_where_subquery(relation) -%}
    {% set where = config.get('where', '') %}
    {% set scope = test_scope_predicate(relation) %}
    {% set conditions = [] %}
    {% if where %}{% do conditions.append('(' ~ where ~ ')') %}{% endif %}
    {% if scope and model.test_metadata.name == 'unique' %}
        {% set column = model.test_metadata.kwargs.column_name %}
        {% do conditions.append(
            column ~ ' in (select scoped.' ~ column ~ ' from ' ~ relation ~ ' as scoped where scoped.' ~ scope ~ ')'
        ) %}
    {% elif scope and model.test_metadata.name == 'unique_combination_of_columns' %}
        {#
            Every row sharing its neighbourhood key (scope_neighbourhood_columns) with a new row:
            a semi-join the planner runs as index lookups of the new keys. `in` never matches a
            null, so rows with a null in those columns come from a second branch, read only when
            a new row has such a null (a one-time check on the new rows); no `or` between the
            two, which would force a scan of the whole table.
        #}
        {% set keys = scope_neighbourhood_columns(relation, model.test_metadata.kwargs.combination_of_columns) %}
        {% set nulls = [] %}
        {% set scoped_nulls = [] %}
        {% for column in keys %}
            {% do nulls.append(column ~ ' is null') %}
            {% do scoped_nulls.append('scoped.' ~ column ~ ' is null') %}
        {% endfor %}
        {% set also = '(' ~ where ~ ') and ' if where else '' %}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ also }}({{ keys | join(', ') }}) in (select {{ keys | join(', ') }} from {{ relation }} as scoped where scoped.{{ scope }})
            union all
            select * from {{ relation }} where {{ also }}({{ nulls | join(' or ') }}) and exists (select from {{ relation }} as scoped where scoped.{{ scope }} and ({{ scoped_nulls | join(' or ') }}))) dbt_subquery
        {%- endset -%}
        {% do return(filtered) %}
    {% elif scope %}
        {% do conditions.append(scope) %}
    {% endif %}
    {% if conditions %}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {% do return(filtered) %}
    {%- else -%}
        {% do return(relation) %}
    {%- endif -%}
{%- endmacro %}
