{#
    surrogate_key(['customer_id', 'valid_from']) -> md5 over the text casts of the fields,
    joined by '-'; a null field becomes a sentinel so (null, 'a') and ('', 'a') differ.
#}
{% macro surrogate_key(field_list) -%}
    {%- set parts = [] -%}
    {%- for field in field_list -%}
        {%- do parts.append("coalesce(cast(" ~ field ~ " as text), '_dbt_null_')") -%}
    {%- endfor -%}
    md5({{ parts | join(" || '-' || ") }})
{%- endmacro %}
