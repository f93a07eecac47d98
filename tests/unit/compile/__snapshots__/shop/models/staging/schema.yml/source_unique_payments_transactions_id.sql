select "id" as unique_field, count(*) as n_records
from "raw_payments"."transactions"
where "id" is not null
group by "id"
having count(*) > 1
