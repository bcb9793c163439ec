{{
    config(
        materialized='incremental',
        unique_key='payment_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['payment_id'], 'unique': true}, {'columns': ['loaded_at']}],
    )
}}
-- Incremental on load time: payments never change once loaded, so a run adds the rows loaded
-- after the newest load already in the table.
with

payments as (
    select * from {{ ref('stg_shop__payments') }}
    {% if is_incremental() %}
        where loaded_at > {{ loaded_at_watermark() }}
    {% endif %}
),

orders as (
    select * from {{ ref('int_orders_sequenced') }}
),

final as (
    select
        {{ surrogate_key(['payments.payment_id']) }} as payment_key,
        payments.payment_id,
        {{ surrogate_key(['payments.order_id']) }} as order_key,
        payments.order_id,
        {{ surrogate_key(['orders.customer_id']) }} as customer_key,
        {{ date_key('payments.paid_date') }} as date_key,
        {{ surrogate_key(['orders.sales_channel']) }} as channel_key,
        payments.payment_method,
        payments.payment_status,
        payments.payment_amount,
        cast(
            case
                when payments.payment_status = 'captured' then payments.payment_amount
                when payments.payment_status = 'refunded' then -payments.payment_amount
                else 0
            end as numeric(14, 2)
        ) as net_amount,
        payments.paid_date,
        payments.paid_at,
        payments.loaded_at
    from payments
    inner join orders
        on payments.order_id = orders.order_id
)

select * from final
