/**
 * The official layouts: field names in file order (see ../shared/data/real/README.md), file names,
 * and which older (shorter) Freddie layouts exist.
 */

export const FREDDIE_ORIGINATION_FIELDS = [
  'credit_score', 'first_payment_date', 'first_time_homebuyer_flag', 'maturity_date', 'msa', 'mi_pct',
  'number_of_units', 'occupancy_status', 'original_cltv', 'original_dti', 'original_upb', 'original_ltv',
  'original_interest_rate', 'channel', 'ppm_flag', 'amortization_type', 'property_state', 'property_type',
  'postal_code', 'loan_sequence_number', 'loan_purpose', 'original_loan_term', 'number_of_borrowers',
  'seller_name', 'servicer_name', 'super_conforming_flag', 'pre_relief_refinance_loan_seq_number',
  'program_indicator', 'relief_refinance_indicator', 'property_valuation_method', 'interest_only_indicator',
  'mi_cancellation_indicator',
] as const;

export const FREDDIE_PERFORMANCE_FIELDS = [
  'loan_sequence_number', 'monthly_reporting_period', 'current_actual_upb', 'current_loan_delinquency_status',
  'loan_age', 'remaining_months_to_legal_maturity', 'defect_settlement_date', 'modification_flag',
  'zero_balance_code', 'zero_balance_effective_date', 'current_interest_rate', 'current_non_interest_bearing_upb',
  'due_date_of_last_paid_installment', 'mi_recoveries', 'net_sale_proceeds', 'non_mi_recoveries', 'total_expenses',
  'legal_costs', 'maintenance_preservation_costs', 'taxes_insurance', 'misc_expenses', 'actual_loss',
  'cumulative_modification_cost', 'step_modification_flag', 'payment_deferral', 'estimated_ltv',
  'zero_balance_removal_upb', 'delinquent_accrued_interest', 'delinquency_due_to_disaster',
  'borrower_assistance_status', 'current_month_modification_cost', 'interest_bearing_upb',
] as const;

export const FANNIE_ACQUISITION_FIELDS = [
  'loan_id', 'channel', 'seller_name', 'orig_interest_rate', 'orig_upb', 'orig_loan_term', 'origination_date',
  'first_payment_date', 'orig_ltv', 'orig_cltv', 'num_borrowers', 'dti', 'borrower_credit_score',
  'first_time_home_buyer', 'loan_purpose', 'property_type', 'num_units', 'occupancy_status', 'property_state',
  'zip3', 'mi_pct', 'product_type', 'coborrower_credit_score', 'mi_type', 'relocation_mortgage_indicator',
] as const;

export const FANNIE_PERFORMANCE_FIELDS = [
  'loan_id', 'monthly_reporting_period', 'servicer_name', 'current_interest_rate', 'current_actual_upb', 'loan_age',
  'remaining_months_to_legal_maturity', 'adj_remaining_months_to_maturity', 'maturity_date', 'msa',
  'current_loan_delinquency_status', 'modification_flag', 'zero_balance_code', 'zero_balance_effective_date',
  'last_paid_installment_date', 'foreclosure_date', 'disposition_date', 'foreclosure_costs',
  'property_preservation_repair_costs', 'asset_recovery_costs', 'misc_holding_expenses', 'associated_taxes',
  'net_sale_proceeds', 'credit_enhancement_proceeds', 'repurchase_make_whole_proceeds', 'other_foreclosure_proceeds',
  'non_interest_bearing_upb', 'principal_forgiveness_upb', 'repurchase_make_whole_proceeds_flag',
  'foreclosure_principal_write_off_amount', 'servicing_activity_indicator',
] as const;

export const FANNIE_CURRENT_FIELDS = [
  'reference_pool_id', 'loan_id', 'monthly_reporting_period', 'channel', 'seller_name', 'servicer_name',
  'master_servicer', 'orig_interest_rate', 'current_interest_rate', 'orig_upb', 'upb_at_issuance',
  'current_actual_upb', 'orig_loan_term', 'origination_date', 'first_payment_date', 'loan_age',
  'remaining_months_to_legal_maturity', 'remaining_months_to_maturity', 'maturity_date', 'orig_ltv', 'orig_cltv',
  'num_borrowers', 'dti', 'borrower_credit_score', 'coborrower_credit_score', 'first_time_home_buyer',
  'loan_purpose', 'property_type', 'num_units', 'occupancy_status', 'property_state', 'msa', 'zip3', 'mi_pct',
  'amortization_type', 'prepayment_penalty_indicator', 'interest_only_indicator', 'io_first_payment_date',
  'months_to_amortization', 'current_loan_delinquency_status', 'loan_payment_history', 'modification_flag',
  'mi_cancellation_indicator', 'zero_balance_code', 'zero_balance_effective_date', 'upb_at_time_of_removal',
  'repurchase_date', 'scheduled_principal_current', 'total_principal_current', 'unscheduled_principal_current',
  'last_paid_installment_date', 'foreclosure_date', 'disposition_date', 'foreclosure_costs',
  'property_preservation_repair_costs', 'asset_recovery_costs', 'misc_holding_expenses', 'holding_taxes',
  'net_sale_proceeds', 'credit_enhancement_proceeds', 'repurchase_make_whole_proceeds', 'other_foreclosure_proceeds',
  'non_interest_bearing_upb', 'principal_forgiveness_amount', 'original_list_start_date', 'original_list_price',
  'current_list_start_date', 'current_list_price', 'borrower_credit_score_at_issuance',
  'coborrower_credit_score_at_issuance', 'borrower_credit_score_current', 'coborrower_credit_score_current',
  'mi_type', 'servicing_activity_indicator', 'current_period_modification_loss', 'cumulative_modification_loss',
  'current_period_credit_event_net_gain_loss', 'cumulative_credit_event_net_gain_loss',
  'homeready_program_indicator', 'foreclosure_principal_write_off_amount', 'relocation_mortgage_indicator',
  'zero_balance_code_change_date', 'loan_holdback_indicator', 'loan_holdback_effective_date',
  'delinquent_accrued_interest', 'property_valuation_method', 'high_balance_loan_indicator',
  'arm_initial_fixed_period_le_5yr_indicator', 'arm_product_type', 'initial_fixed_rate_period',
  'interest_rate_adjustment_frequency', 'next_interest_rate_adjustment_date', 'next_payment_change_date', 'index',
  'arm_cap_structure', 'initial_interest_rate_cap_up_pct', 'periodic_interest_rate_cap_up_pct',
  'lifetime_interest_rate_cap_up_pct', 'mortgage_margin', 'arm_balloon_indicator', 'arm_plan_number',
  'borrower_assistance_plan', 'hltv_refinance_option_indicator', 'deal_name', 'repurchase_make_whole_proceeds_flag',
  'alternative_delinquency_resolution', 'alternative_delinquency_resolution_count', 'total_deferral_amount',
] as const;

export type LayoutId =
  | 'freddie_origination'
  | 'freddie_performance'
  | 'fannie_acquisition'
  | 'fannie_performance'
  | 'fannie_current';

export const LAYOUT_FIELDS: Record<LayoutId, readonly string[]> = {
  freddie_origination: FREDDIE_ORIGINATION_FIELDS,
  freddie_performance: FREDDIE_PERFORMANCE_FIELDS,
  fannie_acquisition: FANNIE_ACQUISITION_FIELDS,
  fannie_performance: FANNIE_PERFORMANCE_FIELDS,
  fannie_current: FANNIE_CURRENT_FIELDS,
};

/** Fewest fields a well-formed row of the layout has (older Freddie layouts are shorter). */
export const LAYOUT_MIN_FIELDS: Record<LayoutId, number> = {
  freddie_origination: 26,
  freddie_performance: 23,
  fannie_acquisition: 25,
  fannie_performance: 31,
  fannie_current: 108,
};

/** Most fields a well-formed row has (the 2000-era acquisition files carry one extra trailing field). */
export const LAYOUT_MAX_FIELDS: Record<LayoutId, number> = {
  freddie_origination: 32,
  freddie_performance: 32,
  fannie_acquisition: 26,
  fannie_performance: 31,
  fannie_current: 108,
};

/** The Freddie layouts by age: origination and performance field counts. */
export const FREDDIE_LAYOUTS = [
  { origination: 26, performance: 23 },
  { origination: 27, performance: 26 },
  { origination: 31, performance: 26 },
] as const;
export const FREDDIE_CURRENT_LAYOUT = { origination: 32, performance: 32 } as const;

export function index<T extends readonly string[]>(fields: T): Record<T[number], number> {
  const out = {} as Record<T[number], number>;
  fields.forEach((f, i) => (out[f as T[number]] = i));
  return out;
}

export const FO = index(FREDDIE_ORIGINATION_FIELDS);
export const FP = index(FREDDIE_PERFORMANCE_FIELDS);
export const FA = index(FANNIE_ACQUISITION_FIELDS);
export const NP = index(FANNIE_PERFORMANCE_FIELDS);
export const NC = index(FANNIE_CURRENT_FIELDS);

for (const [id, fields] of Object.entries(LAYOUT_FIELDS)) {
  const expected = { freddie_origination: 32, freddie_performance: 32, fannie_acquisition: 25, fannie_performance: 31, fannie_current: 108 }[id as LayoutId];
  if (fields.length !== expected) throw new Error(`layout ${id} has ${fields.length} fields, expected ${expected}`);
}

/** File names of the official publication. */
export const fileNames = {
  freddieOrigination: (q: string) => `historical_data_${q}.txt`,
  freddiePerformance: (q: string) => `historical_data_time_${q}.txt`,
  freddieZip: (q: string) => `historical_data_${q}.zip`,
  fannieAcquisition: (q: string) => `Acquisition_${q}.txt`,
  fanniePerformance: (q: string) => `Performance_${q}.txt`,
  fannieCurrent: (q: string) => `${q}.csv`,
  fannieCurrentZip: (q: string) => `${q}.zip`,
};

/** Every name the generator writes, to recognise its own files in an output folder. */
export const GENERATED_NAME_RE = /^(historical_data_(time_)?\d{4}Q[1-4]\.(txt|zip)|Acquisition_\d{4}Q[1-4]\.txt|Performance_\d{4}Q[1-4]\.txt|\d{4}Q[1-4]\.(csv|zip))$/;

/**
 * Renders rows whose fields are mostly fixed per loan: the fixed fields are joined once per loan
 * into segments, and each row only concatenates the segments with the changing values.
 */
export class RowTemplate {
  constructor(
    readonly fieldCount: number,
    readonly dynamic: readonly number[],
  ) {
    for (let i = 1; i < dynamic.length; i++) {
      if ((dynamic[i] as number) <= (dynamic[i - 1] as number)) throw new Error('RowTemplate: dynamic fields must be ascending');
    }
  }

  /** Segments for one loan; `fixed` has fieldCount entries (dynamic positions ignored). */
  compile(fixed: readonly string[]): string[] {
    const segs: string[] = [];
    let start = 0;
    this.dynamic.forEach((d, i) => {
      let s = i === 0 ? '' : '|';
      for (let j = start; j < d; j++) s += `${fixed[j]}|`;
      segs.push(s);
      start = d + 1;
    });
    const last = this.dynamic[this.dynamic.length - 1] as number;
    segs.push(last === this.fieldCount - 1 ? '' : `|${fixed.slice(last + 1, this.fieldCount).join('|')}`);
    return segs;
  }

  render(segs: readonly string[], values: readonly string[]): string {
    let s = '';
    const n = values.length;
    for (let i = 0; i < n; i++) s += (segs[i] as string) + (values[i] as string);
    return s + (segs[n] as string);
  }
}
