{{ config(
    materialized='incremental',
    unique_key=['agency', 'loan_id', 'period'],
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    indexes=[{'columns': ['_built_at'], 'type': 'brin'}, {'columns': ['period'], 'type': 'brin'}, {'columns': ['_batch_id'], 'type': 'brin'}]
) }}
{#-
  One row per loan and month, both agencies, all three monthly layouts.

  Incremental: each run takes only the rows of load batches not yet in this table (`_batch_id`, the
  raw rows' batch, kept by the monthly staging tables, which are incremental the same way and hold
  the rows typed), and replaces rows with the same (agency, loan_id, period). A quarterly release re-publishes every
  performance file, three months longer: the legacy Fannie and the Freddie monthly sources declare
  `load.key`, so their reload writes only new and changed months (unchanged rows keep their batch)
  and this model processes just those. A Fannie current file (no key: it also carries the loans'
  origination attributes, see clean.loans) is reloaded whole and all its rows are processed again.
  `_built_at` is when the row was written (the build's start): the models downstream that are
  incremental on this table (clean.loans' servicers, loan_outcomes, state_performance_quarterly)
  take the rows written since their own last build with `_built_at > max(their _built_at)`. A BRIN
  index on `_built_at` lets those scans read only the block ranges written since (a build appends
  its rows at the table's end): at 200,000 loans 82 ms instead of 235 ms for one such scan. A BRIN
  index on `period` serves marts.state_performance_quarterly's scan of the affected quarters (a
  release's new quarter is in the block ranges its build appended), and this model's own
  delete+insert delete, which strata bounds by the new rows' periods (README, "Materializations"):
  2.7 s -> 0.14 s at 200,000 loans.
  Trade-off: a month that disappears from a reloaded file (the agencies only append months) stays
  until `--full-refresh`; the reconciliation test on raw row counts would show it.
-#}
{%- set columns = loan_month_columns() %}
with
{%- if is_incremental() %}
-- the load batches of the three monthly sources not yet here (macros/loans.sql, unseen_batches:
-- the ledger's batches looked up through the BRIN index on _batch_id), read once for the three
-- branches; `= any(array(...))`, a short array evaluated once, not a subplan probed per row
new_batches as materialized (
    select unnest({{ unseen_batches([source('raw', 'freddie_perf'), source('raw', 'fannie_perf'), source('raw', 'fannie_current')]) }}) as batch_id
),
{%- endif %}
months as (
{%- for model in ['stg_freddie_performance', 'stg_fannie_performance', 'stg_fannie_current'] %}
    select {{ columns | join(', ') }}
    from {{ ref(model) }}
    {%- if is_incremental() %}
    where _batch_id = any(array(select batch_id from new_batches))
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
    m._batch_id,
    now() as _built_at
from months as m
{{ name_map_join('names', 'm.servicer_name_raw') }}
