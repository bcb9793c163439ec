-- Every customer x product interaction as one row: purchases (order lines of purchase orders),
-- add-to-carts and product views of logged-in customers. Input to the recommender marts.
with

order_items as (
    select * from {{ ref('int_order_items_joined_to_products') }}
),

orders as (
    select * from {{ ref('int_orders_sequenced') }}
),

events as (
    select * from {{ ref('stg_shop__web_events') }}
),

purchases as (
    select
        order_items.customer_id,
        order_items.product_id,
        'purchase' as interaction_type,
        order_items.quantity as interaction_count,
        order_items.ordered_at as interacted_at,
        order_items.loaded_at
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    where orders.is_purchase
),

web_interactions as (
    select
        customer_id,
        product_id,
        event_type as interaction_type,
        1 as interaction_count,
        occurred_at as interacted_at,
        loaded_at
    from events
    where customer_id is not null
),

final as (
    select * from purchases
    union all
    select * from web_interactions
)

select * from final
