{{
    config(
        materialized='incremental',
        unique_key='ordered_month',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['ordered_month']}, {'columns': ['loaded_at']}],
    )
}}
-- depends_on: {{ ref('fct_order_items') }}
-- depends_on: {{ ref('fct_orders') }}
-- depends_on: {{ ref('int_customers_versioned') }}
-- depends_on: {{ ref('stg_shop__customers') }}
-- finance_sales_daily rolled up to calendar months (same grains, tiers at order time): a date
-- range of whole months reads a fraction of the daily rows. Distinct orders add up over the days
-- of a month because an order has one date. Incremental: the months of the order dates touched
-- since the newest loaded_at here are deleted and rebuilt from the (already refreshed) daily mart.
with

sales_daily as (
    select * from {{ ref('finance_sales_daily') }}
),

daily_with_month as (
    select
        *,
        cast(date_trunc('month', ordered_date) as date) as ordered_month
    from sales_daily
    {% if is_incremental() %}
        {%- set months = [] -%}
        {%- for day in sales_order_dates_to_refresh(this) -%}
            {%- if day[:8] ~ '01' not in months -%}
                {%- do months.append(day[:8] ~ '01') -%}
            {%- endif -%}
        {%- endfor %}
        -- whole months; the lower bound lets the ordered_date index skip the older days
        where
            {{ date_in("cast(date_trunc('month', ordered_date) as date)", months) }}
            {% if months %}and ordered_date >= cast('{{ months | min }}' as date){% endif %}
    {% endif %}
),

final as (
    select
        grain,
        ordered_month,
        sales_channel,
        loyalty_tier,
        category_id,
        brand_id,
        geography_key,
        cast(sum(order_count) as bigint) as order_count,
        cast(sum(unit_count) as bigint) as unit_count,
        cast(sum(gross_revenue) as numeric(14, 2)) as gross_revenue,
        cast(sum(gross_margin) as numeric(14, 2)) as gross_margin,
        max(loaded_at) as loaded_at
    from daily_with_month
    group by
        grain,
        ordered_month,
        sales_channel,
        loyalty_tier,
        category_id,
        brand_id,
        geography_key
)

select * from final
