{#-
  Typing helpers for the agencies' raw text columns. Each returns a SQL expression; malformed
  values become NULL rather than failing the whole model (data tests catch unexpected NULLs).
-#}

{#- An integer, accepting integers written as floats ('4.0'); anything else is NULL. -#}
{% macro to_int(column) -%}
    case when {{ column }} ~ '^\s*[-+]?[0-9]+(\.0*)?\s*$' then trim({{ column }})::numeric::bigint end
{%- endmacro %}

{#- A number ('6.375', '128000', '1e3' is not accepted: the files never use exponents). -#}
{% macro to_num(column) -%}
    case when {{ column }} ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)\s*$' then trim({{ column }})::numeric end
{%- endmacro %}

{#-
  NULL when the value is one of the sentinels meaning "not available" (Freddie 9999 credit score,
  999 LTV, 99 units, 9 flags; Fannie U / X), an empty string or the literal string NULL.
  Works on text and on typed expressions: sentinels are compared as literals of the value's type.
-#}
{% macro null_if_sentinel(expression, sentinels) -%}
    {%- set literals = [] -%}
    {%- for s in sentinels -%}
        {%- do literals.append(s if s is number else "'" ~ s ~ "'") -%}
    {%- endfor -%}
    {%- if sentinels | length == 0 -%}
    ({{ expression }})
    {%- else -%}
    case when ({{ expression }})::text in ('', 'NULL') then null
         when ({{ expression }}) in ({{ literals | join(', ') }}) then null
         else ({{ expression }}) end
    {%- endif -%}
{%- endmacro %}

{#- Dates in the four formats the files use; the day is the first of the month when absent. -#}
{% macro parse_yyyymm(column) -%}
    case when {{ column }} ~ '^[0-9]{4}(0[1-9]|1[0-2])$' then to_date({{ column }}, 'YYYYMM') end
{%- endmacro %}

{% macro parse_mm_yyyy(column) -%}
    case when {{ column }} ~ '^(0[1-9]|1[0-2])/[0-9]{4}$' then to_date({{ column }}, 'MM/YYYY') end
{%- endmacro %}

{% macro parse_mm_dd_yyyy(column) -%}
    case when {{ column }} ~ '^(0[1-9]|1[0-2])/[0-3][0-9]/[0-9]{4}$' then date_trunc('month', to_date({{ column }}, 'MM/DD/YYYY'))::date end
{%- endmacro %}

{% macro parse_mmyyyy(column) -%}
    case when {{ column }} ~ '^(0[1-9]|1[0-2])[0-9]{4}$' then to_date({{ column }}, 'MMYYYY') end
{%- endmacro %}

{#-
  Months delinquent from the delinquency status: 0, 1, 2, ... (floats accepted); unknown codes
  (X, XX) and negative numbers are NULL; REO (RA, R) is NULL here and flagged by is_reo().
-#}
{% macro months_delinquent(column) -%}
    case when {{ column }} ~ '^\s*[0-9]+(\.0*)?\s*$' then trim({{ column }})::numeric::int end
{%- endmacro %}

{% macro is_reo(column) -%}
    coalesce(trim({{ column }}) in ('RA', 'R'), false)
{%- endmacro %}

{#-
  A name with its spelling noise removed, for names the servicer-name seed does not map exactly
  (the definition shared with the data generator, scripts/generate/README.md): upper case, periods
  and apostrophes dropped (N.A. → NA, L.P. → LP), every other run of non-alphanumeric characters
  as one space, trimmed, then the trailing corporate suffixes (NATIONAL ASSOCIATION, CORPORATION,
  COMPANY, CORP, INC, LLC, FSB, NA, LP) removed, repeatedly. An empty result is NULL.
-#}
{% macro standardize_name(column) -%}
    nullif(
      regexp_replace(
        trim(regexp_replace(regexp_replace(upper({{ column }}), '[.'']', '', 'g'), '[^A-Z0-9]+', ' ', 'g')),
        '( (NATIONAL ASSOCIATION|CORPORATION|COMPANY|CORP|INC|LLC|FSB|NA|LP))+$', ''
      ),
    '')
{%- endmacro %}
