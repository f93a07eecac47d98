-- One row per parent group: how many raw spellings and standard names the mapping seed knows.
select
    parent_group,
    count(*) as raw_spellings,
    count(distinct standard_name) as standard_names,
    bool_or(is_masked) as is_masked
from {{ ref('servicer_name_map') }}
group by parent_group
