{#
    hash_pii(column): salted sha256 (hex) of the normalized (trimmed, lower-cased) value, so marts
    can carry a stable join key for a person without the personal data itself.
#}
{% macro hash_pii(column) -%}
    encode(sha256(convert_to({{ "'" ~ var('pii_hash_salt') ~ "'" }} || lower(trim({{ column }})), 'UTF8')), 'hex')
{%- endmacro %}
