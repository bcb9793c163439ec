-- Monthly first-purchase cohorts and how many of their customers buy in each later month, for
-- the BI app's cohort retention heatmap, split by the customer's current loyalty tier and region
-- (the Customers page selects customers by their customer_360 attributes). A customer has one
-- tier and one region, so the counts add up over tiers and regions. A full rebuild each run: a
-- tier or address change moves every row of that customer, which an incremental table would miss.
with

orders as (
    select * from {{ ref('fct_orders') }}
),

customers as (
    select * from {{ ref('customer_360') }}
),

purchase_months as (
    select
        customer_id,
        cast(date_trunc('month', ordered_date) as date) as purchase_month
    from orders
    where is_purchase
    group by customer_id, purchase_month
),

cohorts as (
    select
        customer_id,
        min(purchase_month) as cohort_month
    from purchase_months
    group by customer_id
),

final as (
    select
        cohorts.cohort_month,
        cast(
            (extract(year from purchase_months.purchase_month) - extract(year from cohorts.cohort_month)) * 12
            + extract(month from purchase_months.purchase_month) - extract(month from cohorts.cohort_month)
            as integer
        ) as months_since_first_purchase,
        customers.loyalty_tier,
        customers.region,
        count(*) as customer_count
    from purchase_months
    inner join cohorts
        on purchase_months.customer_id = cohorts.customer_id
    inner join customers
        on purchase_months.customer_id = customers.customer_id
    group by
        cohorts.cohort_month,
        months_since_first_purchase,
        customers.loyalty_tier,
        customers.region
)

select * from final
