{# quoted_list(['a', 'b']) -> 'a', 'b'  (for SQL `in (...)` lists built from vars). #}
{% macro quoted_list(values) -%}
    {%- for value in values -%}
        '{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
