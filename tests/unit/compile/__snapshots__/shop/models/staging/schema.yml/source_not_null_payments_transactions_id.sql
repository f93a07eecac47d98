select "id"
from "raw_payments"."transactions"
where "id" is null
