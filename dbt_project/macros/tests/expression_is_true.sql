{#
    Fails on every row where `expression` is not true, e.g. a business identity:
      - expression_is_true:
          arguments: {expression: "order_total = items_subtotal - discount_amount + shipping_amount"}
    A null result fails too. Restrict the rows checked with the standard `config: {where: ...}`.
#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
