// CPU profiles of each stage run alone on a backlog: the plan, the profiled child, and the summaries.

export {
  type BacklogPosition,
  groupAtEnd,
  highWaterMarks,
  projectionsAtEnd,
  reachedEnd,
} from '../topic-ends.ts';
export {
  CATEGORIES,
  type Category,
  classifyFrame,
  type FrameLocation,
  projectPath,
} from './classify-frame.ts';
export { produceReadingsBacklog } from './produce-backlog.ts';
export {
  cpuProfilesAt,
  REPO_ROOT,
  readCpuProfile,
  readProfileWindow,
  writeProfileWindow,
} from './profile-file.ts';
export { type RawConsume, rawConsume } from './raw-consume.ts';
export { runStageProfiled, type StagePosition, type StageRun, type StageRunOptions } from './run-stage.ts';
export { catalogStages, PROJECTOR_STAGE, planStages, type StageSpec, stagesFedBy } from './stage-plan.ts';
export {
  attributeCategories,
  type CpuProfile,
  type FrameTime,
  formatCategoryMatrix,
  formatSummary,
  type ProfileSummary,
  type ProfileWindow,
  selfTimesUs,
  summariseProfile,
} from './summarise-profile.ts';
