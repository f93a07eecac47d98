{#-
  Helpers of the loan models (staging and clean), on top of parsing.sql and statistics.sql.
  The rules they implement are the Definitions of scripts/generate/README.md.
-#}

{#-
  The quarter (e.g. 2007Q3) in the name of the file a raw row came from. `_file` is the file's URI:
  an absolute path or s3://bucket/key, plus `!member` for a member inside a zip; the quarter is
  taken from the last component (the member inside a zip, else the file name), so a folder named
  like a quarter never leaks in.
  Fast path: every name the sources' load blocks match ends in `YYYYQn.` and a 3-letter extension
  (`[0-9][0-9][0-9][0-9]Q[1-4].txt|zip|csv`, members likewise), so the quarter is the 6 characters
  before the extension, read without a regular expression (a third of the cost; this runs on every
  monthly row). Any other shape falls back to the regular expression.
-#}
{% macro source_quarter(file_column='_file') -%}
    case when right({{ file_column }}, 10) like '____Q_.___' then left(right({{ file_column }}, 10), 6)
         else substring({{ file_column }} from '([0-9]{4}Q[1-4])[^/!]*$') end
{%- endmacro %}

{#-
  The load batches of the raw relations `sources` that have no row in this incremental model
  (`{{ this }}`) yet, as an array: new files, and the new and changed rows of a keyed reload (its
  unchanged rows keep the batch that loaded them). The batches come from strata's load ledger
  (a raw table's rows are always of a batch the ledger records), and each is looked up in this
  model with `exists`, which a BRIN index on `_batch_id` answers from its few block ranges (a new
  batch is in none of the summarized ones): no scan of every row for its batch, as `select
  distinct _batch_id from {{ this }}` was (1.1 s per monthly staging table, 1.6 s for
  clean.loan_months at 200,000 loans). Give the model that index (`indexes` config).
-#}
{% macro unseen_batches(sources) -%}
    array(
        select l.batch_id
        from (select distinct batch_id from strata_meta.load_ledger
              where relation in ({% for s in sources %}'{{ s }}'{{ ', ' if not loop.last }}{% endfor %})) as l
        where not exists (select from {{ this }} as t where t._batch_id = l.batch_id)
    )
{%- endmacro %}

{#-
  Keeps only the rows of `source`'s load batches not yet in this incremental model (see
  unseen_batches). `= any(array(...))`: a short array evaluated once (an initplan, handed to
  parallel workers), not a subplan probed for every row.
-#}
{% macro unseen_batch(column, source) -%}
    {{ column }} = any({{ unseen_batches([source]) }})
{%- endmacro %}

{#- A text field as written, NULL when missing (blank or the literal string NULL). -#}
{% macro text_value(column) -%}
    {{ null_if_sentinel(column, ['NULL']) }}
{%- endmacro %}

{#-
  The columns of one loan (origination attributes) in the staging models, in this order in every
  layout so the clean model can union them.
-#}
{% macro loan_attribute_columns() -%}
    {{ return(['agency', 'loan_id', 'source_quarter', 'channel', 'seller_name_raw', 'servicer_name_raw',
               'orig_interest_rate', 'orig_upb', 'orig_loan_term', 'first_payment_date', 'orig_ltv', 'orig_cltv',
               'dti', 'credit_score', 'first_time_homebuyer', 'loan_purpose', 'property_type', 'occupancy',
               'num_units', 'num_borrowers', 'property_state', 'zip3', 'mi_pct', '_file', '_line', '_batch_id']) }}
{%- endmacro %}

{#- The columns of one monthly row in the staging models, in this order in every layout. -#}
{% macro loan_month_columns() -%}
    {{ return(['agency', 'loan_id', 'source_quarter', 'period', 'current_upb', 'loan_age', 'months_delinquent', 'is_reo',
               'modification_flag', 'zero_balance_code', 'zero_balance_date', 'current_interest_rate',
               'servicer_name_raw', '_batch_id']) }}
{%- endmacro %}

{#-
  A coded field through the code_map seed (via stg_code_map, which already applies the precedence
  agency row first, then 'both', and turns empty values into NULL). `code_join` goes in the FROM
  clause, `code_value` in the select list; a code absent from the seed, or missing, is NULL.
-#}
{% macro code_join(alias, dimension, agency, code_column) -%}
    left join {{ ref('stg_code_map') }} as {{ alias }}
           on {{ alias }}.dimension = '{{ dimension }}' and {{ alias }}.agency = '{{ agency }}' and {{ alias }}.code = {{ code_column }}
{%- endmacro %}

{#-
  A seller or servicer name: the servicer_name_map seed's standard_name when the raw name equals
  one of its raw_name values exactly (case and spaces included), else standardize_name(raw).
  `name_map_join` goes in the FROM clause, `resolved_name` in the select list.
-#}
{% macro name_map_join(alias, raw_column) -%}
    left join {{ ref('servicer_name_map') }} as {{ alias }} on {{ alias }}.raw_name = {{ raw_column }}
{%- endmacro %}

{% macro resolved_name(alias, raw_column) -%}
    coalesce({{ alias }}.standard_name, {{ standardize_name(raw_column) }})
{%- endmacro %}


{#-
  The loan attributes of a Fannie Mae row, typed and renamed to the loan vocabulary: shared by the
  legacy acquisition file and the current combined file, which carry the same fields and differ
  only in how the first payment date is written (MM/YYYY and MMYYYY).
-#}
{% macro fannie_loan_attributes(relation, date_format='MM/YYYY') -%}
select
    'fannie'::text as agency,
    r.loan_id,
    {{ source_quarter('r._file') }} as source_quarter,
    ch.value as channel,
    {{ text_value('r.seller_name') }} as seller_name_raw,
    null::text as servicer_name_raw,
    {{ to_num('r.orig_interest_rate') }} as orig_interest_rate,
    {{ to_num('r.orig_upb') }} as orig_upb,
    {{ to_int('r.orig_loan_term') }}::integer as orig_loan_term,
    {% if date_format == 'MMYYYY' %}{{ parse_mmyyyy('r.first_payment_date') }}{% else %}{{ parse_mm_yyyy('r.first_payment_date') }}{% endif %} as first_payment_date,
    {{ to_num('r.orig_ltv') }} as orig_ltv,
    {{ to_num('r.orig_cltv') }} as orig_cltv,
    {{ to_num('r.dti') }} as dti,
    {{ to_int('r.borrower_credit_score') }}::integer as credit_score,
    fthb.value as first_time_homebuyer,
    purpose.value as loan_purpose,
    ptype.value as property_type,
    occ.value as occupancy,
    {{ to_int('r.num_units') }}::integer as num_units,
    {{ to_int('r.num_borrowers') }}::integer as num_borrowers,
    {{ text_value('r.property_state') }} as property_state,
    {{ text_value('r.zip3') }} as zip3,
    {{ to_num('r.mi_pct') }} as mi_pct,
    r._file,
    r._line,
    r._batch_id
from {{ relation }} as r
{{ code_join('ch', 'channel', 'fannie', 'r.channel') }}
{{ code_join('fthb', 'first_time_homebuyer', 'fannie', 'r.first_time_home_buyer') }}
{{ code_join('purpose', 'loan_purpose', 'fannie', 'r.loan_purpose') }}
{{ code_join('ptype', 'property_type', 'fannie', 'r.property_type') }}
{{ code_join('occ', 'occupancy', 'fannie', 'r.occupancy_status') }}
{%- endmacro %}


{#-
  The monthly part of a Fannie Mae row, typed and renamed to the monthly vocabulary: shared by the
  legacy performance file (reporting period MM/DD/YYYY, zero-balance date MM/YYYY) and the current
  combined file (both MMYYYY).
-#}
{% macro fannie_monthly_attributes(relation, date_format='legacy') -%}
select
    'fannie'::text as agency,
    r.loan_id,
    {{ source_quarter('r._file') }} as source_quarter,
    {% if date_format == 'MMYYYY' %}{{ parse_mmyyyy('r.monthly_reporting_period') }}{% else %}{{ parse_mm_dd_yyyy('r.monthly_reporting_period') }}{% endif %} as period,
    {{ to_num('r.current_actual_upb') }} as current_upb,
    {{ to_int('r.loan_age') }}::integer as loan_age,
    {{ months_delinquent('r.current_loan_delinquency_status') }} as months_delinquent,
    {{ is_reo('r.current_loan_delinquency_status') }} as is_reo,
    {{ text_value('r.modification_flag') }} as modification_flag,
    {{ text_value('r.zero_balance_code') }} as zero_balance_code,
    {% if date_format == 'MMYYYY' %}{{ parse_mmyyyy('r.zero_balance_effective_date') }}{% else %}{{ parse_mm_yyyy('r.zero_balance_effective_date') }}{% endif %} as zero_balance_date,
    {{ to_num('r.current_interest_rate') }} as current_interest_rate,
    {{ text_value('r.servicer_name') }} as servicer_name_raw,
    r._file,
    r._line,
    r._batch_id
from {{ relation }} as r
{%- endmacro %}
