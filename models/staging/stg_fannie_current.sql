-- Fannie Mae current combined file (YYYYQn.csv, 108 fields): the monthly part of each row, typed and
-- renamed to the monthly vocabulary (the loan attributes are in stg_fannie_current_loans). Dates
-- are MMYYYY; the servicer is named on every row; unknown delinquency is XX.
{{ fannie_monthly_attributes(source('raw', 'fannie_current'), date_format='MMYYYY') }}
