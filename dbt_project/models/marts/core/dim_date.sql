with

customers as (
    select * from {{ ref('stg_shop__customers') }}
),

products as (
    select * from {{ ref('stg_shop__products') }}
),

campaigns as (
    select * from {{ ref('stg_shop__campaigns') }}
),

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

payments as (
    select * from {{ ref('stg_shop__payments') }}
),

shipments as (
    select * from {{ ref('stg_shop__shipments') }}
),

returns as (
    select * from {{ ref('stg_shop__returns') }}
),

reviews as (
    select * from {{ ref('stg_shop__reviews') }}
),

web_sessions as (
    select * from {{ ref('stg_shop__web_sessions') }}
),

campaign_exposures as (
    select * from {{ ref('stg_shop__campaign_exposures') }}
),

support_tickets as (
    select * from {{ ref('stg_shop__support_tickets') }}
),

observed_ranges as (
    select
        min(signed_up_date) as first_date,
        max(signed_up_date) as last_date
    from customers
    union all
    select
        min(launched_date) as first_date,
        max(launched_date) as last_date
    from products
    union all
    select
        min(start_date) as first_date,
        max(end_date) as last_date
    from campaigns
    union all
    select
        min(ordered_date) as first_date,
        max(ordered_date) as last_date
    from orders
    union all
    select
        min(paid_date) as first_date,
        max(paid_date) as last_date
    from payments
    union all
    select
        min(shipped_date) as first_date,
        max(coalesce(delivered_date, shipped_date)) as last_date
    from shipments
    union all
    select
        min(returned_date) as first_date,
        max(returned_date) as last_date
    from returns
    union all
    select
        min(reviewed_date) as first_date,
        max(reviewed_date) as last_date
    from reviews
    union all
    select
        min(started_date) as first_date,
        max(started_date) as last_date
    from web_sessions
    union all
    select
        min(exposed_date) as first_date,
        max(exposed_date) as last_date
    from campaign_exposures
    union all
    select
        min(opened_date) as first_date,
        max(coalesce(resolved_date, opened_date)) as last_date
    from support_tickets
),

bounds as (
    -- whole calendar years around everything observed
    select
        cast(date_trunc('year', min(first_date)) as date) as spine_start,
        cast(date_trunc('year', max(last_date)) + interval '1 year - 1 day' as date) as spine_end
    from observed_ranges
),

spine as (
    {{ date_spine('(select bounds.spine_start from bounds)', '(select bounds.spine_end from bounds)') }}
),

calendar as (
    select
        date_day,
        date_day - interval '{{ var("fiscal_year_start_month") - 1 }} months' as fiscal_shifted_day,
        {{ us_holiday_name('date_day') }} as holiday_name
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
        coalesce(holiday_name = 'Cyber Monday', false) as is_cyber_monday
    from calendar
)

select * from final
