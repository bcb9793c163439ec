with

exposures as (
    select * from {{ ref('stg_shop__campaign_exposures') }}
),

campaigns as (
    select * from {{ ref('stg_shop__campaigns') }}
),

orders as (
    select * from {{ ref('int_orders_sequenced') }}
),

attributed_orders as (
    -- purchases the customer made under the campaign's attribution, on or after exposure
    select
        exposures.exposure_id,
        count(orders.order_id) as attributed_order_count,
        coalesce(sum(orders.order_total), 0) as attributed_revenue
    from exposures
    inner join orders
        on
            exposures.customer_id = orders.customer_id
            and exposures.campaign_id = orders.campaign_id
            and exposures.exposed_at <= orders.ordered_at
            and orders.is_purchase
    group by exposures.exposure_id
),

final as (
    select
        {{ surrogate_key(['exposures.exposure_id']) }} as exposure_key,
        exposures.exposure_id,
        {{ surrogate_key(['exposures.campaign_id']) }} as campaign_key,
        {{ surrogate_key(['exposures.customer_id']) }} as customer_key,
        {{ date_key('exposures.exposed_date') }} as date_key,
        exposures.campaign_id,
        exposures.customer_id,
        campaigns.campaign_type,
        exposures.is_opened,
        exposures.is_clicked,
        coalesce(attributed_orders.attributed_order_count, 0) > 0 as has_converted,
        coalesce(attributed_orders.attributed_order_count, 0) as attributed_order_count,
        cast(coalesce(attributed_orders.attributed_revenue, 0) as numeric(14, 2)) as attributed_revenue,
        exposures.exposed_date,
        exposures.exposed_at
    from exposures
    left join campaigns
        on exposures.campaign_id = campaigns.campaign_id
    left join attributed_orders
        on exposures.exposure_id = attributed_orders.exposure_id
)

select * from final
