-- Customer features for churn and CLV models at each cutoff in ml_cutoffs. Strictly no
-- look-ahead: every input is an event dated on or before the cutoff date (UTC), profile
-- attributes are the version in force at the cutoff, and nothing decided later is used (order
-- status, which can turn to cancelled/returned afterwards, is ignored: "orders" are orders
-- placed). Windows "_30d"/"_90d"/"_365d" are the N days ending on the cutoff date. No PII.
with

customers as (
    select * from {{ ref('int_customers_at_cutoffs') }}
),

orders as (
    select * from {{ ref('int_orders_sequenced') }}
),

order_items as (
    select * from {{ ref('int_order_items_joined_to_products') }}
),

returned_lines as (
    -- a second name for the same table, so neither use is materialized as a CTE copy
    select * from {{ ref('int_order_items_joined_to_products') }}
),

web_activity as (
    -- logged-in sessions and product events per customer and day
    select * from {{ ref('int_customer_web_activity_daily') }}
),

session_days as (
    -- the same table under a second name (see returned_lines)
    select * from {{ ref('int_customer_web_activity_daily') }}
),

returns as (
    select * from {{ ref('stg_shop__returns') }}
),

reviews as (
    select * from {{ ref('stg_shop__reviews') }}
),

tickets as (
    select * from {{ ref('stg_shop__support_tickets') }}
),

exposures as (
    select * from {{ ref('stg_shop__campaign_exposures') }}
),

cutoffs as (
    select distinct cutoff_date from customers
),

order_features as (
    select
        cutoffs.cutoff_date,
        orders.customer_id,
        count(*) as order_count,
        count(*) filter (where orders.ordered_date > cutoffs.cutoff_date - 30) as order_count_30d,
        count(*) filter (where orders.ordered_date > cutoffs.cutoff_date - 90) as order_count_90d,
        count(*) filter (where orders.ordered_date > cutoffs.cutoff_date - 365) as order_count_365d,
        sum(orders.order_total) as order_value,
        sum(case when orders.ordered_date > cutoffs.cutoff_date - 30 then orders.order_total else 0 end)
        as order_value_30d,
        sum(case when orders.ordered_date > cutoffs.cutoff_date - 90 then orders.order_total else 0 end)
        as order_value_90d,
        sum(case when orders.ordered_date > cutoffs.cutoff_date - 365 then orders.order_total else 0 end)
        as order_value_365d,
        avg(orders.order_total) as average_order_value,
        sum(orders.discount_amount) as discount_amount,
        count(*) filter (where orders.campaign_id is not null) as campaign_order_count,
        count(distinct orders.ordered_date) as order_day_count,
        min(orders.ordered_date) as first_order_date,
        max(orders.ordered_date) as last_order_date
    from orders
    inner join cutoffs
        on orders.ordered_date <= cutoffs.cutoff_date
    group by cutoffs.cutoff_date, orders.customer_id
),

unit_features as (
    select
        cutoffs.cutoff_date,
        order_items.customer_id,
        sum(order_items.quantity) as unit_count,
        count(distinct order_items.product_id) as distinct_product_count,
        count(distinct order_items.category_id) as distinct_category_count
    from order_items
    inner join cutoffs
        on order_items.ordered_date <= cutoffs.cutoff_date
    group by cutoffs.cutoff_date, order_items.customer_id
),

web_features as (
    -- one pass over the 90 days before each cutoff: sessions, product views, add-to-carts
    select
        cutoffs.cutoff_date,
        web_activity.customer_id,
        cast(sum(web_activity.session_count) filter (
            where web_activity.activity_date > cutoffs.cutoff_date - 30
        ) as bigint) as session_count_30d,
        cast(sum(web_activity.session_count) as bigint) as session_count_90d,
        cast(sum(web_activity.product_view_count) filter (
            where web_activity.activity_date > cutoffs.cutoff_date - 30
        ) as bigint) as product_view_count_30d,
        cast(sum(web_activity.product_view_count) as bigint) as product_view_count_90d,
        cast(sum(web_activity.add_to_cart_count) filter (
            where web_activity.activity_date > cutoffs.cutoff_date - 30
        ) as bigint) as add_to_cart_count_30d,
        cast(sum(web_activity.add_to_cart_count) as bigint) as add_to_cart_count_90d
    from web_activity
    inner join cutoffs
        on
            web_activity.activity_date <= cutoffs.cutoff_date
            and web_activity.activity_date > cutoffs.cutoff_date - 90
    group by cutoffs.cutoff_date, web_activity.customer_id
),

return_features as (
    select
        cutoffs.cutoff_date,
        returned_lines.customer_id,
        count(*) as return_count,
        sum(returns.returned_quantity) as returned_unit_count,
        sum(returns.refund_amount) as refund_amount
    from returns
    inner join returned_lines
        on returns.order_item_id = returned_lines.order_item_id
    inner join cutoffs
        on returns.returned_date <= cutoffs.cutoff_date
    group by cutoffs.cutoff_date, returned_lines.customer_id
),

review_features as (
    select
        cutoffs.cutoff_date,
        reviews.customer_id,
        count(*) as review_count,
        avg(reviews.rating) as average_rating
    from reviews
    inner join cutoffs
        on reviews.reviewed_date <= cutoffs.cutoff_date
    group by cutoffs.cutoff_date, reviews.customer_id
),

ticket_features as (
    select
        cutoffs.cutoff_date,
        tickets.customer_id,
        count(*) as ticket_count,
        count(*) filter (where tickets.opened_date > cutoffs.cutoff_date - 90) as ticket_count_90d,
        avg(tickets.satisfaction_score) filter (
            where tickets.resolved_date <= cutoffs.cutoff_date
        ) as average_satisfaction_score
    from tickets
    inner join cutoffs
        on tickets.opened_date <= cutoffs.cutoff_date
    group by cutoffs.cutoff_date, tickets.customer_id
),

exposure_features as (
    select
        cutoffs.cutoff_date,
        exposures.customer_id,
        count(*) as campaign_exposure_count_90d
    from exposures
    inner join cutoffs
        on
            exposures.exposed_date <= cutoffs.cutoff_date
            and exposures.exposed_date > cutoffs.cutoff_date - 90
    group by cutoffs.cutoff_date, exposures.customer_id
),

final as (
    select
        {{ surrogate_key(['customers.customer_id']) }} as customer_key,
        customers.customer_id,
        customers.cutoff_date,
        ---------- profile at the cutoff
        customers.gender,
        customers.age_band_at_signup,
        customers.acquisition_channel,
        customers.loyalty_tier,
        customers.is_marketing_opt_in,
        customers.region,
        customers.cutoff_date - {{ utc_date('customers.signed_up_at') }} as tenure_days,
        ---------- orders
        coalesce(order_features.order_count, 0) > 0 as has_ordered,
        coalesce(order_features.order_count, 0) as order_count,
        coalesce(order_features.order_count_30d, 0) as order_count_30d,
        coalesce(order_features.order_count_90d, 0) as order_count_90d,
        coalesce(order_features.order_count_365d, 0) as order_count_365d,
        cast(coalesce(order_features.order_value, 0) as numeric(14, 2)) as order_value,
        cast(coalesce(order_features.order_value_30d, 0) as numeric(14, 2)) as order_value_30d,
        cast(coalesce(order_features.order_value_90d, 0) as numeric(14, 2)) as order_value_90d,
        cast(coalesce(order_features.order_value_365d, 0) as numeric(14, 2)) as order_value_365d,
        cast(order_features.average_order_value as numeric(14, 2)) as average_order_value,
        cast(coalesce(order_features.discount_amount, 0) as numeric(14, 2)) as discount_amount,
        coalesce(order_features.campaign_order_count, 0) as campaign_order_count,
        coalesce(order_features.order_day_count, 0) as order_day_count,
        customers.cutoff_date - order_features.last_order_date as days_since_last_order,
        customers.cutoff_date - order_features.first_order_date as days_since_first_order,
        case
            when order_features.order_day_count > 1
                then
                    cast(
                        (order_features.last_order_date - order_features.first_order_date)
                        / (order_features.order_day_count - 1.0) as numeric(10, 2)
                    )
        end as average_days_between_orders,
        cast(coalesce(unit_features.unit_count, 0) as bigint) as unit_count,
        coalesce(unit_features.distinct_product_count, 0) as distinct_product_count,
        coalesce(unit_features.distinct_category_count, 0) as distinct_category_count,
        ---------- web
        coalesce(web_features.session_count_30d, 0) as session_count_30d,
        coalesce(web_features.session_count_90d, 0) as session_count_90d,
        customers.cutoff_date - last_session.last_session_date as days_since_last_session,
        coalesce(web_features.product_view_count_30d, 0) as product_view_count_30d,
        coalesce(web_features.product_view_count_90d, 0) as product_view_count_90d,
        coalesce(web_features.add_to_cart_count_30d, 0) as add_to_cart_count_30d,
        coalesce(web_features.add_to_cart_count_90d, 0) as add_to_cart_count_90d,
        ---------- after-sales
        coalesce(return_features.return_count, 0) as return_count,
        cast(coalesce(return_features.refund_amount, 0) as numeric(14, 2)) as refund_amount,
        cast(
            coalesce(return_features.returned_unit_count, 0) / nullif(unit_features.unit_count, 0.0)
            as numeric(6, 4)
        ) as return_unit_rate,
        coalesce(review_features.review_count, 0) as review_count,
        cast(review_features.average_rating as numeric(4, 2)) as average_rating,
        coalesce(ticket_features.ticket_count, 0) as ticket_count,
        coalesce(ticket_features.ticket_count_90d, 0) as ticket_count_90d,
        cast(ticket_features.average_satisfaction_score as numeric(4, 2)) as average_satisfaction_score,
        ---------- marketing
        coalesce(exposure_features.campaign_exposure_count_90d, 0) as campaign_exposure_count_90d
    from customers
    left join order_features
        on
            customers.cutoff_date = order_features.cutoff_date
            and customers.customer_id = order_features.customer_id
    left join unit_features
        on
            customers.cutoff_date = unit_features.cutoff_date
            and customers.customer_id = unit_features.customer_id
    left join web_features
        on
            customers.cutoff_date = web_features.cutoff_date
            and customers.customer_id = web_features.customer_id
    -- a correlated subquery qualifies its outer references: RF03 cannot apply
    -- noqa: disable=RF03
    left join lateral (
        -- the newest day with a session up to the cutoff, over all history: one backward
        -- step on the (customer_id, activity_date) index per customer and cutoff
        select max(session_days.activity_date) as last_session_date
        from session_days
        where
            session_days.customer_id = customers.customer_id
            and session_days.activity_date <= customers.cutoff_date
            and session_days.session_count > 0
    ) as last_session on true
    -- noqa: enable=RF03
    left join return_features
        on
            customers.cutoff_date = return_features.cutoff_date
            and customers.customer_id = return_features.customer_id
    left join review_features
        on
            customers.cutoff_date = review_features.cutoff_date
            and customers.customer_id = review_features.customer_id
    left join ticket_features
        on
            customers.cutoff_date = ticket_features.cutoff_date
            and customers.customer_id = ticket_features.customer_id
    left join exposure_features
        on
            customers.cutoff_date = exposure_features.cutoff_date
            and customers.customer_id = exposure_features.customer_id
)

select * from final
