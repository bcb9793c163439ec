with

campaigns as (
    select * from {{ ref('stg_shop__campaigns') }}
),

final as (
    select
        {{ surrogate_key(['campaign_id']) }} as campaign_key,
        campaign_id,
        campaign_name,
        campaign_type,
        marketing_channel,
        discount_percent,
        budget_amount,
        start_date,
        end_date,
        {{ date_key('start_date') }} as start_date_key,
        {{ date_key('end_date') }} as end_date_key,
        end_date - start_date + 1 as duration_days
    from campaigns
)

select * from final
