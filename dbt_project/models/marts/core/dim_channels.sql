with

sales_channels as (
    select * from {{ ref('sales_channels') }}
),

final as (
    select
        {{ surrogate_key(['sales_channel']) }} as channel_key,
        sales_channel,
        channel_name,
        is_owned_channel,
        channel_description
    from sales_channels
)

select * from final
