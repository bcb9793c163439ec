{{ config(materialized='table', indexes=[{'columns': ['customer_id'], 'unique': true}]) }}
-- A table, not a view: two marts and three tests read it, and each would recompute it.
-- Per customer, their purchases up to and including the cutoff date (var('cutoff_date'),
-- default the latest order date), in the shape BG/NBD + Gamma-Gamma CLV models expect:
-- purchases on the same day count once ("purchase days"), frequency is the number of repeat
-- purchase days, monetary_value the mean value of the repeat purchase days.
-- Only customers with at least one purchase by the cutoff appear.
with

orders as (
    select * from {{ ref('int_orders_sequenced') }}
),

cutoff as (
    select {{ cutoff_date() }} as cutoff_date
),

purchases as (
    select
        orders.customer_id,
        orders.ordered_date,
        orders.order_total,
        cutoff.cutoff_date
    from orders
    cross join cutoff
    where
        orders.is_purchase
        and orders.ordered_date <= cutoff.cutoff_date
),

purchase_days as (
    select
        customer_id,
        cutoff_date,
        ordered_date,
        count(*) as order_count,
        sum(order_total) as day_total,
        row_number() over (
            partition by customer_id
            order by ordered_date
        ) as purchase_day_number
    from purchases
    group by customer_id, cutoff_date, ordered_date
),

final as (
    select
        customer_id,
        cutoff_date,
        min(ordered_date) as first_purchase_date,
        max(ordered_date) as last_purchase_date,
        cast(sum(order_count) as integer) as purchase_count,
        cast(count(*) as integer) as purchase_day_count,
        cast(sum(day_total) as numeric(14, 2)) as total_spend,
        cast(count(*) - 1 as integer) as frequency,
        max(ordered_date) - min(ordered_date) as recency_days,
        cutoff_date - min(ordered_date) as t_days,
        cutoff_date - max(ordered_date) as days_since_last_purchase,
        cast(
            coalesce(avg(day_total) filter (where purchase_day_number > 1), 0) as numeric(14, 2)
        ) as monetary_value
    from purchase_days
    group by customer_id, cutoff_date
)

select * from final
