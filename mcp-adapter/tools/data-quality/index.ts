export { dataQualityReport, dataQualityReportInput, dataQualityReportOutput } from './data-quality-report.ts';
