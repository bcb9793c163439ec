{#
    sales_order_dates_to_refresh(relation): the order dates (a list of 'YYYY-MM-DD' strings)
    whose purchase lines may read differently since the newest loaded_at in `relation` (an
    incremental sales mart, `this`):

    - dates of order lines loaded after it (new lines, or lines restated with their order);
    - dates of orders whose customer version in force (the tier lookup of the sales marts: the
      version valid when the order was placed, the first version for anything earlier) was
      loaded after it. Versions only ever get added, so an order reads a different tier only
      if the version it now maps to is new: a late-arriving version rewrites history.

    Raw tables are append-only and an order line never changes once loaded, so every other date
    reads as before. The sales marts delete and rebuild exactly these dates (or their months).

    The dates are queried up front (run_query) and inlined as literals: behind a subquery the
    planner cannot see that a daily run touches one or two dates and joins every order line.
    The refs here are forced in the callers with `-- depends_on:` comments, because dbt parses
    models with is_incremental() false and never renders this macro then.
#}
{% macro sales_order_dates_to_refresh(relation) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set watermark = loaded_at_watermark(relation=relation) -%}
    {%- set dates_query -%}
        select order_items.ordered_date
        from {{ ref('fct_order_items') }} as order_items
        where order_items.loaded_at > {{ watermark }}
        union
        select orders.ordered_date
        from {{ ref('fct_orders') }} as orders
        inner join {{ ref('int_customers_versioned') }} as customer_versions
            on orders.customer_id = customer_versions.customer_id
        inner join {{ ref('stg_shop__customers') }} as customer_loads
            on
                customer_versions.customer_id = customer_loads.customer_id
                and customer_versions.updated_at = customer_loads.updated_at
        where
            customer_loads.loaded_at > {{ watermark }}
            and (
                orders.ordered_at >= customer_versions.valid_from
                or customer_versions.version_number = 1
            )
            and (
                orders.ordered_at < customer_versions.valid_to
                or customer_versions.valid_to is null
            )
        order by ordered_date
    {%- endset -%}
    {{ return(run_query(dates_query).columns[0].values() | map('string') | list) }}
{%- endmacro %}

{#
    date_in(column, dates): `column in (<the dates as date literals>)`, or `false` for no dates.
#}
{% macro date_in(column, dates) -%}
    {%- if dates -%}
        {{ column }} in ({% for day in dates %}cast('{{ day }}' as date){{ ', ' if not loop.last }}{% endfor %})
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}
