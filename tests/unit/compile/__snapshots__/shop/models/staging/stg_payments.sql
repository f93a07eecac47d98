select * from "raw_payments"."transactions"
