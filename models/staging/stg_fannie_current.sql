-- Fannie Mae current combined file (YYYYQn.csv, 108 fields): the monthly part of each row, typed and
-- renamed to the monthly vocabulary (the loan attributes are in stg_fannie_current_loans). Dates
-- are MMYYYY; the servicer is named on every row; unknown delinquency is XX.
{#-
  A table, incremental like clean.loan_months (see stg_freddie_performance for why): each run
  types only the raw rows of load batches not yet here and replaces the rows with the same
  (loan_id, period). This source has no load key, so a changed file is reloaded whole (every row a
  new batch) and all its rows are typed again.
#}
{{ fannie_monthly_attributes(source('raw', 'fannie_current'), date_format='MMYYYY') }}
{%- if is_incremental() %}
where {{ unseen_batch('r._batch_id', source('raw', 'fannie_current')) }}
{%- endif %}
