-- Churn labels at each cutoff whose horizon is fully observed (ml_cutoffs.is_label_observable).
-- Population: customers who had placed at least one order by the cutoff date. Label:
-- is_churned = no purchase (order in var('purchase_order_statuses')) in the
-- var('churn_horizon_days') days after the cutoff date.
with

customers as (
    select * from {{ ref('int_customers_at_cutoffs') }}
),

cutoffs as (
    select * from {{ ref('int_ml_cutoffs_selected') }}
),

orders as (
    select * from {{ ref('int_orders_sequenced') }}
),

active_at_cutoff as (
    select distinct
        customers.cutoff_date,
        customers.customer_id
    from customers
    inner join cutoffs
        on customers.cutoff_date = cutoffs.cutoff_date
    inner join orders
        on
            customers.customer_id = orders.customer_id
            and customers.cutoff_date >= orders.ordered_date
    where cutoffs.is_label_observable
),

purchases_in_horizon as (
    select
        cutoffs.cutoff_date,
        orders.customer_id,
        count(*) as purchase_count,
        sum(orders.order_total) as purchase_value,
        min(orders.ordered_date) as next_purchase_date
    from orders
    inner join cutoffs
        on
            orders.ordered_date > cutoffs.cutoff_date
            and orders.ordered_date <= cutoffs.horizon_end_date
    where orders.is_purchase
    group by cutoffs.cutoff_date, orders.customer_id
),

final as (
    select
        {{ surrogate_key(['active_at_cutoff.customer_id']) }} as customer_key,
        active_at_cutoff.customer_id,
        active_at_cutoff.cutoff_date,
        cutoffs.horizon_end_date,
        cutoffs.churn_horizon_days,
        purchases_in_horizon.customer_id is null as is_churned,
        coalesce(purchases_in_horizon.purchase_count, 0) as purchase_count_in_horizon,
        cast(coalesce(purchases_in_horizon.purchase_value, 0) as numeric(14, 2)) as purchase_value_in_horizon,
        purchases_in_horizon.next_purchase_date
    from active_at_cutoff
    inner join cutoffs
        on active_at_cutoff.cutoff_date = cutoffs.cutoff_date
    left join purchases_in_horizon
        on
            active_at_cutoff.cutoff_date = purchases_in_horizon.cutoff_date
            and active_at_cutoff.customer_id = purchases_in_horizon.customer_id
)

select * from final
