-- Returns booked on their return date by product category, ship-to region and sales channel.
with

returns as (
    select * from {{ ref('fct_returns') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

geographies as (
    select * from {{ ref('dim_geography') }}
),

channels as (
    select * from {{ ref('dim_channels') }}
),

final as (
    select
        returns.returned_date as return_date,
        returns.date_key,
        products.department_name,
        products.category_id,
        products.category_name,
        geographies.region,
        channels.sales_channel,
        count(*) as return_count,
        cast(sum(returns.returned_quantity) as bigint) as returned_unit_count,
        sum(returns.refund_amount) as refund_amount,
        sum(returns.returned_cost) as returned_cost
    from returns
    inner join products
        on returns.product_key = products.product_key
    left join geographies
        on returns.geography_key = geographies.geography_key
    inner join channels
        on returns.channel_key = channels.channel_key
    group by
        returns.returned_date,
        returns.date_key,
        products.department_name,
        products.category_id,
        products.category_name,
        geographies.region,
        channels.sales_channel
)

select * from final
