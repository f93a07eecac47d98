-- Loans by state, agency and the value of each categorical dimension (NULL shown as 'unknown'):
-- one row per (property_state, agency, dimension, value); each dimension adds up to the state's loans.
select
    l.property_state,
    l.agency,
    d.dimension,
    coalesce(d.value, 'unknown') as value,
    count(*)::integer as loan_count
from {{ ref('loans') }} as l
cross join lateral (
    values
        ('loan_purpose', l.loan_purpose),
        ('first_time_homebuyer', l.first_time_homebuyer),
        ('property_type', l.property_type),
        ('channel', l.channel),
        ('occupancy', l.occupancy),
        ('num_borrowers', l.num_borrowers::text)
) as d (dimension, value)
group by l.property_state, l.agency, d.dimension, coalesce(d.value, 'unknown')
