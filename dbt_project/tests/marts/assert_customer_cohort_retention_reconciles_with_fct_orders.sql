-- Month 0 of every cohort is its size: the customers (in customer_360) whose first purchase in
-- fct_orders falls in that month; no later month has more active customers than month 0.
-- Returns the offending cohorts.
with

orders as (
    select * from {{ ref('fct_orders') }}
),

customers as (
    select * from {{ ref('customer_360') }}
),

cohort_retention as (
    select * from {{ ref('customer_cohort_retention') }}
),

first_purchases as (
    select
        orders.customer_id,
        min(orders.ordered_date) as first_purchase_date
    from orders
    inner join customers
        on orders.customer_id = customers.customer_id
    where orders.is_purchase
    group by orders.customer_id
),

expected as (
    select
        cast(date_trunc('month', first_purchase_date) as date) as cohort_month,
        count(*) as cohort_size
    from first_purchases
    group by cohort_month
),

by_month as (
    select
        cohort_month,
        months_since_first_purchase,
        sum(customer_count) as customer_count
    from cohort_retention
    group by cohort_month, months_since_first_purchase
),

mart as (
    select
        cohort_month,
        sum(customer_count) filter (where months_since_first_purchase = 0) as cohort_size,
        max(customer_count) as largest_month
    from by_month
    group by cohort_month
)

select
    coalesce(expected.cohort_month, mart.cohort_month) as cohort_month,
    expected.cohort_size as expected_size,
    mart.cohort_size as mart_size,
    mart.largest_month
from expected
full outer join mart
    on expected.cohort_month = mart.cohort_month
where
    expected.cohort_size is distinct from mart.cohort_size
    or mart.largest_month > mart.cohort_size
