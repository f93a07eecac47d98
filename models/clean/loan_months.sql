{{ config(
    materialized='incremental',
    unique_key=['agency', 'loan_id', 'period'],
    incremental_strategy='delete+insert'
) }}
{#-
  One row per loan and month, both agencies, all three monthly layouts.

  Incremental: each run takes only the raw rows of load batches not yet in this table (`_batch_id`),
  i.e. the rows of new files and of reloaded files (a reloaded file's rows all get the new batch),
  and replaces rows with the same (agency, loan_id, period). A quarterly release grows every
  performance file, so every performance file is reloaded and its rows replaced; months of earlier
  files that did not change are not touched.
  Trade-off: a month that disappears from a reloaded file (the agencies only append months) stays
  until `--full-refresh`; the reconciliation test on raw row counts would show it.
-#}
{%- set columns = loan_month_columns() %}
with
{%- if is_incremental() %}
seen_batches as materialized (
    select distinct _batch_id from {{ this }}
),
{%- endif %}
months as (
{%- for model in ['stg_freddie_performance', 'stg_fannie_performance', 'stg_fannie_current'] %}
    select {{ columns | join(', ') }}
    from {{ ref(model) }}
    {%- if is_incremental() %}
    where _batch_id not in (select _batch_id from seen_batches)
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
)
select
    m.agency,
    m.loan_id,
    m.period,
    m.current_upb,
    m.loan_age,
    m.months_delinquent,
    m.is_reo,
    m.modification_flag,
    m.zero_balance_code,
    m.zero_balance_date,
    m.current_interest_rate,
    m.servicer_name_raw,
    -- the name as written on the row, standardized (Fannie legacy rows name it only on changes)
    {{ resolved_name('names', 'm.servicer_name_raw') }} as servicer_name,
    m.source_quarter,
    m._batch_id
from months as m
{{ name_map_join('names', 'm.servicer_name_raw') }}
