-- Fannie Mae legacy performance rows (Performance_YYYYQn.txt, 31 fields), typed and renamed to the
-- monthly vocabulary. Numbers may be written as floats (4.0); unknown delinquency is X or a negative
-- number (NULL months); the servicer is named only on a loan's first row and when it changes (NULL
-- on the other rows).
{{ fannie_monthly_attributes(source('raw', 'fannie_perf'), date_format='legacy') }}
