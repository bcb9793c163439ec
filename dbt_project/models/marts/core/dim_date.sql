{{
    config(
        materialized='incremental',
        unique_key='date_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Incremental: the observed range grows only with new rows, so a run reads the rows loaded
-- after the newest loaded_at here (BRIN-indexed in raw) plus this table's own range, and
-- rewrites the (whole-year) spine; a full build reads every row. Same result either way.
{%- set watermark = loaded_at_watermark() if is_incremental() else none %}
with

customers as (
    select * from {{ ref('stg_shop__customers') }}
    {% if watermark %}
        where loaded_at > {{ watermark }}
    {% endif %}
),

products as (
    select * from {{ ref('stg_shop__products') }}
    {% if watermark %}
        where loaded_at > {{ watermark }}
    {% endif %}
),

campaigns as (
    select * from {{ ref('stg_shop__campaigns') }}
    {% if watermark %}
        where loaded_at > {{ watermark }}
    {% endif %}
),

orders as (
    select * from {{ ref('stg_shop__orders') }}
    {% if watermark %}
        where loaded_at > {{ watermark }}
    {% endif %}
),

payments as (
    select * from {{ ref('stg_shop__payments') }}
    {% if watermark %}
        where loaded_at > {{ watermark }}
    {% endif %}
),

shipments as (
    select * from {{ ref('stg_shop__shipments') }}
    {% if watermark %}
        where loaded_at > {{ watermark }}
    {% endif %}
),

returns as (
    select * from {{ ref('stg_shop__returns') }}
    {% if watermark %}
        where loaded_at > {{ watermark }}
    {% endif %}
),

reviews as (
    select * from {{ ref('stg_shop__reviews') }}
    {% if watermark %}
        where loaded_at > {{ watermark }}
    {% endif %}
),

web_sessions as (
    select * from {{ ref('stg_shop__web_sessions') }}
    {% if watermark %}
        where loaded_at > {{ watermark }}
    {% endif %}
),

campaign_exposures as (
    select * from {{ ref('stg_shop__campaign_exposures') }}
    {% if watermark %}
        where loaded_at > {{ watermark }}
    {% endif %}
),

support_tickets as (
    select * from {{ ref('stg_shop__support_tickets') }}
    {% if watermark %}
        where loaded_at > {{ watermark }}
    {% endif %}
),

observed_ranges as (
    select
        min(signed_up_date) as first_date,
        max(signed_up_date) as last_date,
        max(loaded_at) as loaded_at
    from customers
    union all
    select
        min(launched_date) as first_date,
        max(launched_date) as last_date,
        max(loaded_at) as loaded_at
    from products
    union all
    select
        min(start_date) as first_date,
        max(end_date) as last_date,
        max(loaded_at) as loaded_at
    from campaigns
    union all
    select
        min(ordered_date) as first_date,
        max(ordered_date) as last_date,
        max(loaded_at) as loaded_at
    from orders
    union all
    select
        min(paid_date) as first_date,
        max(paid_date) as last_date,
        max(loaded_at) as loaded_at
    from payments
    union all
    select
        min(shipped_date) as first_date,
        max(coalesce(delivered_date, shipped_date)) as last_date,
        max(loaded_at) as loaded_at
    from shipments
    union all
    select
        min(returned_date) as first_date,
        max(returned_date) as last_date,
        max(loaded_at) as loaded_at
    from returns
    union all
    select
        min(reviewed_date) as first_date,
        max(reviewed_date) as last_date,
        max(loaded_at) as loaded_at
    from reviews
    union all
    select
        min(started_date) as first_date,
        max(started_date) as last_date,
        max(loaded_at) as loaded_at
    from web_sessions
    union all
    select
        min(exposed_date) as first_date,
        max(exposed_date) as last_date,
        max(loaded_at) as loaded_at
    from campaign_exposures
    union all
    select
        min(opened_date) as first_date,
        max(coalesce(resolved_date, opened_date)) as last_date,
        max(loaded_at) as loaded_at
    from support_tickets
    {% if watermark %}
        union all
        select
            min(date_day) as first_date,
            max(date_day) as last_date,
            max(loaded_at) as loaded_at
        from {{ this }}
    {% endif %}
),

bounds as (
    -- whole calendar years around everything observed
    select
        cast(date_trunc('year', min(first_date)) as date) as spine_start,
        cast(date_trunc('year', max(last_date)) + interval '1 year - 1 day' as date) as spine_end,
        max(loaded_at) as loaded_at
    from observed_ranges
),

spine as (
    {{ date_spine('(select bounds.spine_start from bounds)', '(select bounds.spine_end from bounds)') }}
),

calendar as (
    select
        date_day,
        date_day - interval '{{ var("fiscal_year_start_month") - 1 }} months' as fiscal_shifted_day,
        {{ us_holiday_name('date_day') }} as holiday_name,
        (select bounds.loaded_at from bounds) as loaded_at
    from spine
),

final as (
    select
        {{ date_key('date_day') }} as date_key,
        date_day,
        cast(extract(year from date_day) as integer) as calendar_year,
        cast(extract(quarter from date_day) as integer) as calendar_quarter,
        cast(extract(month from date_day) as integer) as month_of_year,
        to_char(date_day, 'FMMonth') as month_name,
        cast(extract(day from date_day) as integer) as day_of_month,
        cast(extract(doy from date_day) as integer) as day_of_year,
        cast(extract(isodow from date_day) as integer) as day_of_week,
        to_char(date_day, 'FMDay') as day_name,
        cast(extract(isoyear from date_day) as integer) as iso_year,
        cast(extract(week from date_day) as integer) as iso_week_of_year,
        cast(date_trunc('week', date_day) as date) as week_start_date,
        cast(date_trunc('month', date_day) as date) as month_start_date,
        cast(date_trunc('month', date_day) + interval '1 month - 1 day' as date) as month_end_date,
        cast(extract(year from fiscal_shifted_day) as integer) as fiscal_year,
        cast(extract(quarter from fiscal_shifted_day) as integer) as fiscal_quarter,
        cast(extract(month from fiscal_shifted_day) as integer) as fiscal_month_of_year,
        extract(isodow from date_day) in (6, 7) as is_weekend,
        holiday_name,
        coalesce(holiday_name not in ('Black Friday', 'Cyber Monday'), false) as is_us_federal_holiday,
        coalesce(holiday_name = 'Black Friday', false) as is_black_friday,
        coalesce(holiday_name = 'Cyber Monday', false) as is_cyber_monday,
        loaded_at
    from calendar
)

select * from final
