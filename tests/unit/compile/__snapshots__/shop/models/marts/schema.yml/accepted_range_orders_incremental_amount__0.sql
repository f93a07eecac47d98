select *
from (select * from "marts"."orders_incremental" where status <> 'returned') dbt_subquery
where not ("amount" >= 0)
