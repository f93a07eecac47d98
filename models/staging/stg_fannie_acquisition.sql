-- Fannie Mae legacy acquisition rows (Acquisition_YYYYQn.txt, 25 fields; the 2000-era files' extra
-- trailing field is dropped by the loader), typed and renamed to the loan vocabulary. Fannie has no
-- numeric sentinels (missing values are blanks or the string NULL); U flags go through the code map.
-- The servicer is not in this file: clean.loans takes it from the performance rows.
{{ fannie_loan_attributes(source('raw', 'fannie_acq'), date_format='MM/YYYY') }}
