-- The code_map seed resolved per agency: one row per (dimension, agency, code) for each of the two
-- agencies, taking the agency's own row first and the 'both' row otherwise. An empty value (Freddie
-- 9 / 99, Fannie U: "not available") becomes NULL. Staging models join it through code_join().
select distinct on (c.dimension, a.agency, c.code)
    c.dimension,
    a.agency,
    c.code,
    nullif(c.value, '') as value
from {{ ref('code_map') }} as c
join (values ('fannie'), ('freddie')) as a (agency) on c.agency in (a.agency, 'both')
order by c.dimension, a.agency, c.code, c.agency = 'both'
