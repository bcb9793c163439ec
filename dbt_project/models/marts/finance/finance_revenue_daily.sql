{{
    config(
        materialized='incremental',
        unique_key='revenue_date',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['revenue_date']}, {'columns': ['loaded_at']}],
    )
}}
-- depends_on: {{ ref('int_customers_versioned') }}
-- depends_on: {{ ref('stg_shop__categories') }}
-- depends_on: {{ ref('stg_shop__geographies') }}
-- depends_on: {{ ref('stg_shop__customers') }}
-- Merchandise revenue, cost and margin of purchase orders by order date, product category,
-- ship-to region and sales channel. Revenue is the line total (after line discounts);
-- order-level discounts and shipping live in finance_orders_daily. The category is the one
-- the product had when the order was placed (as in finance_sales_daily), so a later
-- re-categorisation does not move past revenue. Incremental: the order dates touched by loads
-- after the newest loaded_at here are deleted and rebuilt whole; every date is rebuilt when
-- categories or ship-to geographies were loaded since (their names and regions label old rows).
{%- set refresh_all = true -%}
{%- if is_incremental() and execute -%}
    {%- set reference_loads -%}
        select
            exists (
                select 1 from {{ ref('stg_shop__categories') }}
                where loaded_at > {{ loaded_at_watermark() }}
            )
            or exists (
                select 1 from {{ ref('stg_shop__geographies') }}
                where loaded_at > {{ loaded_at_watermark() }}
            )
    {%- endset -%}
    {%- set refresh_all = run_query(reference_loads).columns[0].values()[0] -%}
{%- endif %}
with

order_items as (
    select * from {{ ref('fct_order_items') }}
),

lines_at_order_time as (
    select * from {{ ref('int_order_items_joined_to_products') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

categories as (
    select * from {{ ref('int_categories_with_departments') }}
),

geographies as (
    select * from {{ ref('dim_geography') }}
),

channels as (
    select * from {{ ref('dim_channels') }}
),

purchase_lines as (
    select
        order_items.*,
        lines_at_order_time.category_id
    from order_items
    inner join orders
        on order_items.order_key = orders.order_key
    inner join lines_at_order_time
        on order_items.order_item_id = lines_at_order_time.order_item_id
    where
        orders.is_purchase
    {% if is_incremental() and not refresh_all %}
        and {{ date_in('order_items.ordered_date', sales_order_dates_to_refresh(this)) }}
    {% endif %}
),

final as (
    select
        purchase_lines.ordered_date as revenue_date,
        purchase_lines.date_key,
        categories.department_name,
        purchase_lines.category_id,
        categories.category_name,
        geographies.region,
        channels.sales_channel,
        count(distinct purchase_lines.order_key) as order_count,
        cast(sum(purchase_lines.quantity) as bigint) as unit_count,
        sum(purchase_lines.line_total) as gross_revenue,
        sum(purchase_lines.line_cost) as cost_of_goods,
        sum(purchase_lines.line_margin) as gross_margin,
        round(sum(purchase_lines.line_margin) / nullif(sum(purchase_lines.line_total), 0), 4) as gross_margin_rate,
        max(purchase_lines.loaded_at) as loaded_at
    from purchase_lines
    left join categories
        on purchase_lines.category_id = categories.category_id
    left join geographies
        on purchase_lines.geography_key = geographies.geography_key
    inner join channels
        on purchase_lines.channel_key = channels.channel_key
    group by
        purchase_lines.ordered_date,
        purchase_lines.date_key,
        categories.department_name,
        purchase_lines.category_id,
        categories.category_name,
        geographies.region,
        channels.sales_channel
)

select * from final
