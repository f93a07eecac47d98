-- Fannie Mae current combined file (YYYYQn.csv, 108 fields, one row per loan and month): the loan
-- attributes, one row per loan, typed and renamed to the loan vocabulary. The fixed attributes are
-- repeated identically on every monthly row of a loan; the first row (by period, then line) of
-- each loan in each file is taken. The servicer, which changes over time, comes from the monthly
-- rows (stg_fannie_current).
with first_rows as (
    select distinct on (r._file, r.loan_id) r.*
    from {{ source('raw', 'fannie_current') }} as r
    order by r._file, r.loan_id, {{ parse_mmyyyy('r.monthly_reporting_period') }}, r._line
)
{{ fannie_loan_attributes('first_rows', date_format='MMYYYY') }}
