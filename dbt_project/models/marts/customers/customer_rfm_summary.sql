-- The RFM summary CLV models (BG/NBD, Gamma-Gamma) fit on, as of the cutoff date. Time is
-- given in days and in weeks; frequency counts repeat purchase days.
with

purchases as (
    select * from {{ ref('int_customer_purchases_summarized') }}
),

final as (
    select
        {{ surrogate_key(['customer_id']) }} as customer_key,
        customer_id,
        cutoff_date,
        frequency,
        recency_days,
        cast(recency_days / 7.0 as numeric(10, 4)) as recency_weeks,
        t_days,
        cast(t_days / 7.0 as numeric(10, 4)) as t_weeks,
        monetary_value,
        purchase_count,
        purchase_day_count,
        total_spend,
        first_purchase_date,
        last_purchase_date
    from purchases
)

select * from final
