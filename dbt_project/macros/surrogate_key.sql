{#
    surrogate_key(['customer_id', 'valid_from']) -> md5 over the text casts of the fields,
    joined by '-'; a null field becomes a sentinel so (null, 'a') and ('', 'a') differ.
    A single-field key of a NULL is NULL (an optional reference that is not there: a customer
    without an address has no geography_key, not the key of a "null" geography).
#}
{% macro surrogate_key(field_list) -%}
    {%- if field_list | length == 1 -%}
        case
            when {{ field_list[0] }} is not null
                then md5(cast({{ field_list[0] }} as text))
        end
    {%- else -%}
        {%- set parts = [] -%}
        {%- for field in field_list -%}
            {%- do parts.append("coalesce(cast(" ~ field ~ " as text), '_dbt_null_')") -%}
        {%- endfor -%}
        md5({{ parts | join(" || '-' || ") }})
    {%- endif -%}
{%- endmacro %}
