-- Fannie Mae legacy performance rows (Performance_YYYYQn.txt, 31 fields), typed and renamed to the
-- monthly vocabulary. Numbers may be written as floats (4.0); unknown delinquency is X or a negative
-- number (NULL months); the servicer is named only on a loan's first row and when it changes (NULL
-- on the other rows).
{#-
  A table, incremental like clean.loan_months (see stg_freddie_performance for why): each run
  types only the raw rows of load batches not yet here and replaces the rows with the same
  (loan_id, period).
#}
{{ fannie_monthly_attributes(source('raw', 'fannie_perf'), date_format='legacy') }}
{%- if is_incremental() %}
where {{ unseen_batch('r._batch_id', source('raw', 'fannie_perf')) }}
{%- endif %}
