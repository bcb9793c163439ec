-- Gate (error): no order may be placed before its customer signed up (fault class
-- dates_before_signup). Runs on staging, so every mart built from orders and customers is
-- skipped by `dbt build` when it fails.
with

orders as (
    -- in an incremental build, the orders loaded, or of customers loaded, since the last fully
    -- tested build
    select * from {{ ref('stg_shop__orders') }}
    where
        {{ loaded_since_tested_build('loaded_at') }}
        or customer_id in (
            select new_customers.customer_id from {{ ref('stg_shop__customers') }} as new_customers
            where {{ loaded_since_tested_build('new_customers.loaded_at') }}
        )
),

customers as (
    select * from {{ ref('stg_shop__customers') }}
),

signups as (
    select
        customer_id,
        min(signed_up_at) as signed_up_at
    from customers
    group by customer_id
)

select
    orders.order_id,
    orders.customer_id,
    orders.ordered_at,
    signups.signed_up_at
from orders
inner join signups
    on orders.customer_id = signups.customer_id
where orders.ordered_at < signups.signed_up_at
