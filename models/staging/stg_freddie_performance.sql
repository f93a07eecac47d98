-- Freddie Mac monthly performance rows (historical_data_time_YYYYQn.txt, 23 to 32 fields), typed and
-- renamed to the monthly vocabulary. Delinquency status: months (0, 1, ...), RA / R (REO, older
-- files R) flagged by is_reo, XX / negative / missing → NULL. Freddie's monthly file names no servicer.
{#-
  A table, incremental (as are stg_fannie_performance and stg_fannie_current; their config is in
  project.yml: delete+insert on (loan_id, period), on_schema_change fail, JIT off), where the other
  staging models are views: the monthly files are most of the data (about 15 million rows at
  1,000,000 loans) and grow by three months every release. As a view, every build typed all of
  them twice, once for this model's data tests (a view has no rows of its own to tell new from
  old) and once more for clean.loan_months; as an incremental table a release types only its new
  rows, the tests read only those (README, "Data tests": unique_key among the tested columns,
  delete+insert, only `set` hooks, plain tests), and clean.loan_months reads typed rows.
  Each run takes the raw rows of load batches not yet in this table (`_batch_id`): new files, and
  the new and changed rows of a keyed reload (the unchanged rows keep the batch that loaded them),
  and replaces the rows with the same (loan_id, period), so a changed month replaces its old
  version. Trade-off (as in clean.loan_months): a month that disappears from a reloaded file stays
  until `--full-refresh`; the reconciliation test on raw row counts would show it. The monthly
  rows take their disk space twice (raw text and typed here). A change of the columns fails the
  build (`on_schema_change='fail'`) until `--full-refresh`: the rows already here were typed by
  the old query, and appending a column would leave it NULL on them.
  JIT is off (pre-hook; README "JIT"): at 1,000,000 loans the full query took 24.2 s without it
  and 26.4-27.5 s with it, and an incremental run's NULL-key delete, never executed, was compiled
  with inlining and optimization for about 0.25 s (200,000 loans) because of its estimated cost.
#}
select
    'freddie'::text as agency,
    r.loan_sequence_number as loan_id,
    {{ source_quarter('r._file') }} as source_quarter,
    {{ parse_yyyymm('r.monthly_reporting_period') }} as period,
    {{ to_num('r.current_actual_upb') }} as current_upb,
    {{ to_int('r.loan_age') }}::integer as loan_age,
    {{ months_delinquent('r.current_loan_delinquency_status') }} as months_delinquent,
    {{ is_reo('r.current_loan_delinquency_status') }} as is_reo,
    {{ text_value('r.modification_flag') }} as modification_flag,
    {{ text_value('r.zero_balance_code') }} as zero_balance_code,
    {{ parse_yyyymm('r.zero_balance_effective_date') }} as zero_balance_date,
    {{ to_num('r.current_interest_rate') }} as current_interest_rate,
    null::text as servicer_name_raw,
    r._file,
    r._line,
    r._batch_id
from {{ source('raw', 'freddie_perf') }} as r
{%- if is_incremental() %}
where {{ unseen_batch('r._batch_id', source('raw', 'freddie_perf')) }}
{%- endif %}
