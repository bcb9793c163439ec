-- Campaign funnel and return: exposures, opens, clicks, conversions of exposed customers, and
-- every purchase attributed to the campaign (exposed or not) with its revenue and discounts.
with

campaigns as (
    select * from {{ ref('dim_campaigns') }}
),

exposures as (
    select * from {{ ref('fct_campaign_exposures') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

coverage as (
    -- without the optional campaign_exposures table the funnel is unknown (null), not 0
    select coalesce(bool_or(has_rows) filter (where source_table = 'campaign_exposures'), false) as has_exposures
    from {{ ref('source_coverage') }}
),

exposure_funnel as (
    select
        campaign_key,
        count(*) as exposure_count,
        count(distinct customer_key) as exposed_customer_count,
        count(*) filter (where is_opened) as opened_count,
        count(*) filter (where is_clicked) as clicked_count,
        count(*) filter (where has_converted) as converted_exposure_count
    from exposures
    group by campaign_key
),

attributed_orders as (
    select
        campaign_key,
        count(*) as attributed_order_count,
        count(distinct customer_key) as attributed_customer_count,
        sum(order_total) as attributed_revenue,
        sum(discount_amount) as attributed_discount_amount,
        case when count(gross_margin) = count(*) then sum(gross_margin) end as attributed_gross_margin
    from orders
    where
        is_purchase
        and campaign_key is not null
    group by campaign_key
),

final as (
    select
        campaigns.campaign_key,
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.campaign_type,
        campaigns.marketing_channel,
        campaigns.start_date,
        campaigns.end_date,
        campaigns.budget_amount,
        case
            when coverage.has_exposures then coalesce(exposure_funnel.exposure_count, 0)
        end as exposure_count,
        case
            when coverage.has_exposures then coalesce(exposure_funnel.exposed_customer_count, 0)
        end as exposed_customer_count,
        case
            when coverage.has_exposures then coalesce(exposure_funnel.opened_count, 0)
        end as opened_count,
        case
            when coverage.has_exposures then coalesce(exposure_funnel.clicked_count, 0)
        end as clicked_count,
        case
            when coverage.has_exposures then coalesce(exposure_funnel.converted_exposure_count, 0)
        end as converted_exposure_count,
        round(
            cast(exposure_funnel.opened_count as numeric) / nullif(exposure_funnel.exposure_count, 0), 4
        ) as open_rate,
        round(
            cast(exposure_funnel.clicked_count as numeric) / nullif(exposure_funnel.exposure_count, 0), 4
        ) as click_rate,
        round(
            cast(exposure_funnel.converted_exposure_count as numeric) / nullif(exposure_funnel.exposure_count, 0), 4
        ) as conversion_rate,
        coalesce(attributed_orders.attributed_order_count, 0) as attributed_order_count,
        coalesce(attributed_orders.attributed_customer_count, 0) as attributed_customer_count,
        coalesce(attributed_orders.attributed_revenue, 0) as attributed_revenue,
        coalesce(attributed_orders.attributed_discount_amount, 0) as attributed_discount_amount,
        -- null when the cost of an attributed order is unknown (products.unit_cost is optional)
        case
            when attributed_orders.campaign_key is null then 0 else attributed_orders.attributed_gross_margin
        end as attributed_gross_margin,
        round(attributed_orders.attributed_revenue / nullif(campaigns.budget_amount, 0), 4) as revenue_per_budget_dollar
    from campaigns
    cross join coverage
    left join exposure_funnel
        on campaigns.campaign_key = exposure_funnel.campaign_key
    left join attributed_orders
        on campaigns.campaign_key = attributed_orders.campaign_key
)

select * from final
