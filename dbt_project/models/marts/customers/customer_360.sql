-- Everything known about a customer as of the cutoff date: current profile attributes (no
-- direct PII), purchase history and the CLV summary, RFM segment, web activity, returns,
-- reviews and support. Activity counts include only events on or before the cutoff date; a
-- count whose optional source was not delivered (source_coverage) is null, not 0.
with

customers as (
    select * from {{ ref('dim_customers') }}
),

geographies as (
    select * from {{ ref('dim_geography') }}
),

rfm_summary as (
    select * from {{ ref('customer_rfm_summary') }}
),

rfm_segments as (
    select * from {{ ref('marketing_rfm_segments') }}
),

web_activity as (
    -- sessions per customer and day: a fraction of fct_sessions' rows
    select * from {{ ref('int_customer_web_activity_daily') }}
),

returns as (
    select * from {{ ref('fct_returns') }}
),

reviews as (
    select * from {{ ref('fct_reviews') }}
),

tickets as (
    select * from {{ ref('fct_support_tickets') }}
),

coverage as (
    -- which optional sources were delivered: without one, its counts are unknown (null), not 0
    select
        coalesce(bool_or(has_rows) filter (where source_table = 'web_sessions'), false) as has_web_sessions,
        coalesce(bool_or(has_rows) filter (where source_table = 'returns'), false) as has_returns,
        coalesce(bool_or(has_rows) filter (where source_table = 'reviews'), false) as has_reviews,
        coalesce(bool_or(has_rows) filter (where source_table = 'support_tickets'), false) as has_support_tickets
    from {{ ref('source_coverage') }}
),

cutoff as (
    select {{ cutoff_date() }} as cutoff_date
),

session_activity as (
    select
        web_activity.customer_id,
        cast(sum(web_activity.session_count) as bigint) as session_count,
        cast(sum(web_activity.converted_session_count) as bigint) as converted_session_count,
        max(web_activity.activity_date) filter (
            where web_activity.session_count > 0
        ) as last_session_date
    from web_activity
    cross join cutoff
    where web_activity.activity_date <= cutoff.cutoff_date
    group by web_activity.customer_id
),

return_activity as (
    select
        returns.customer_key,
        count(*) as return_count,
        sum(returns.refund_amount) as refund_amount
    from returns
    cross join cutoff
    where returns.returned_date <= cutoff.cutoff_date
    group by returns.customer_key
),

review_activity as (
    select
        reviews.customer_key,
        count(*) as review_count,
        round(avg(reviews.rating), 2) as average_rating
    from reviews
    cross join cutoff
    where reviews.reviewed_date <= cutoff.cutoff_date
    group by reviews.customer_key
),

ticket_activity as (
    select
        tickets.customer_key,
        count(*) as ticket_count,
        round(avg(tickets.satisfaction_score), 2) as average_satisfaction_score
    from tickets
    cross join cutoff
    where tickets.opened_date <= cutoff.cutoff_date
    group by tickets.customer_key
),

final as (
    select
        customers.customer_key,
        customers.customer_id,
        cutoff.cutoff_date,
        customers.email_hash,
        customers.gender,
        customers.age_band_at_signup,
        customers.acquisition_channel,
        customers.loyalty_tier,
        customers.is_marketing_opt_in,
        geographies.region,
        geographies.state,
        customers.signed_up_date,
        cutoff.cutoff_date - customers.signed_up_date as tenure_days,
        rfm_summary.customer_key is not null as has_purchased,
        coalesce(rfm_summary.purchase_count, 0) as purchase_count,
        coalesce(rfm_summary.total_spend, 0) as total_spend,
        rfm_summary.first_purchase_date,
        rfm_summary.last_purchase_date,
        coalesce(rfm_summary.frequency, 0) as frequency,
        rfm_summary.recency_days,
        rfm_summary.recency_weeks,
        rfm_summary.t_days,
        rfm_summary.t_weeks,
        rfm_summary.monetary_value,
        rfm_segments.recency_score,
        rfm_segments.frequency_score,
        rfm_segments.monetary_score,
        rfm_segments.rfm_segment,
        case when coverage.has_web_sessions then coalesce(session_activity.session_count, 0) end as session_count,
        case
            when coverage.has_web_sessions then coalesce(session_activity.converted_session_count, 0)
        end as converted_session_count,
        session_activity.last_session_date,
        case when coverage.has_returns then coalesce(return_activity.return_count, 0) end as return_count,
        case when coverage.has_returns then coalesce(return_activity.refund_amount, 0) end as refund_amount,
        case when coverage.has_reviews then coalesce(review_activity.review_count, 0) end as review_count,
        review_activity.average_rating,
        case when coverage.has_support_tickets then coalesce(ticket_activity.ticket_count, 0) end as ticket_count,
        ticket_activity.average_satisfaction_score
    from customers
    cross join cutoff
    cross join coverage
    left join geographies
        on customers.geography_key = geographies.geography_key
    left join rfm_summary
        on customers.customer_key = rfm_summary.customer_key
    left join rfm_segments
        on customers.customer_key = rfm_segments.customer_key
    left join session_activity
        on customers.customer_id = session_activity.customer_id
    left join return_activity
        on customers.customer_key = return_activity.customer_key
    left join review_activity
        on customers.customer_key = review_activity.customer_key
    left join ticket_activity
        on customers.customer_key = ticket_activity.customer_key
    where customers.signed_up_date <= cutoff.cutoff_date
)

select * from final
