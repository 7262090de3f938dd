/**
 * metatables' public API. Everything a project (and the metatables command line) uses comes from here.
 * It is long because it is only a list: one group of exports per layer, each named where it is defined.
 */

// Databases: the server and embedded layers, target resolution, and reading database failures.
export {
  Database,
  type DatabaseBackend,
  type DatabaseInfo,
  type DatabaseServices,
  type DrizzleDatabase,
  type MemoryOptions,
  type ServerOptions
} from "./db/Database.ts"
export {
  advisoryLockKey,
  AdvisoryLockHolder,
  type AdvisoryLockPurpose,
  AdvisoryLockTimeoutError,
  advisoryTransactionLock,
  holdAdvisoryLock
} from "./db/AdvisoryLock.ts"
export { ConnectionFailureReason, DatabaseConnectionError } from "./db/DatabaseConnectionError.ts"
export {
  type DatabaseTarget,
  type DatabaseTargetInputs,
  DatabaseUrlFileError,
  type DatabaseUrlFromFile,
  defaultEmbeddedDataDir,
  describeDatabaseTarget,
  type EmbeddedTarget,
  embeddedTarget,
  InvalidDatabaseUrlError,
  type MemoryTarget,
  memoryTarget,
  redactDatabaseUrl,
  resolveDatabaseTarget,
  type ServerTarget,
  serverTarget
} from "./db/DatabaseTarget.ts"
export { PGLITE_VERSION } from "./db/EmbeddedDataDirectory.ts"
export { type PgPassEntry, parsePgPass, withPgPassPassword } from "./db/PgPass.ts"
export * as PgliteClient from "./db/PgliteClient.ts"
export { type CauseReport, formatCause, reportCause, retryability } from "./db/FailureCause.ts"
export { describeSqlFailure, formatSqlFailure, type SqlFailure } from "./db/SqlFailure.ts"

// The catalog: the backend of record for storage tables.
export {
  type ActiveResolution,
  bindingOf,
  Catalog,
  type CatalogService,
  type CatalogTable,
  type CredentialOptions,
  type DataSource,
  type FinalizedTable,
  type FinalizeExpectation,
  type FinalizeReport,
  type FinalizeRequest,
  type MetaTableRole,
  type MigrationCredential,
  type ProviderIdentity,
  providerIdentity,
  type ReserveRequest
} from "./catalog/Catalog.ts"
export {
  CatalogNotReadyError,
  CatalogStorageError,
  CatalogTableNotFoundError,
  CredentialError,
  CredentialFailure,
  CredentialRevokeError,
  DeletionProtectedError,
  InvalidCatalogRowError,
  InvalidCatalogSchemaError,
  ReservationRefusal,
  TableReservationError,
  VersionRegistryError
} from "./catalog/CatalogErrors.ts"
export { appliedCatalogVersion, CATALOG_VERSION, DEFAULT_CATALOG_SCHEMA } from "./catalog/CatalogSchema.ts"
export {
  CREDENTIAL_GROUP_ROLE,
  CREDENTIAL_ROLE_PREFIX,
  MigrationCredentials,
  OWNER_ROLE_PREFIX
} from "./catalog/MigrationCredentials.ts"
export {
  asRunRole,
  grantRunRole,
  inRunRole,
  ownerRoleName,
  ProviderRolesError,
  ProviderRolesFailure,
  type RemovedRoles,
  removeProviderRoles,
  RUN_ROLE_PREFIX,
  runRoleName,
  usableRunRole
} from "./catalog/ProviderRoles.ts"
export {
  type BackfillRecord,
  type BatchRecord,
  DataNodeRecords,
  type DataNodeRecordsService,
  type RegisterUpdateRequest,
  type RunMode,
  type RunRecord,
  type RunStatus,
  type UpdateRecord,
  type UpdateStatus,
  type Watermark
} from "./catalog/DataNodeRecords.ts"
export { currentHolder, HEARTBEAT_INTERVAL, isHolderGone, LEASE_TTL, RunHolder } from "./catalog/RunLease.ts"
export * as SqlCatalog from "./catalog/SqlCatalog.ts"
export * as SqlDataNodeRecords from "./catalog/SqlDataNodeRecords.ts"
export {
  compareWithContract,
  introspectSchemaObjects,
  introspectTables,
  type LiveColumn,
  type LiveTable,
  normalizeSqlType,
  type PhysicalName
} from "./catalog/TableIntrospection.ts"
export { type TableDetails, tableDetails, type TableForeignKey, type TableIndex } from "./catalog/TableDetails.ts"
export { type PgArrayElement, pgArrayLiteral } from "./db/PgArrayLiteral.ts"

// The migration engine: revision files, the revision graph, plans, apply, autogenerate and check.
export {
  autogenerate,
  AutogenerateError,
  type AutogenerateRequest,
  type AutogenerateResult,
  type DestructiveChange,
  type DestructiveKind,
  destructiveChanges,
  emptySnapshot,
  normalizeSnapshot,
  parseRenameHint,
  type RenameHint,
  RenameHintError
} from "./migrations/Autogenerate.ts"
export {
  type AppliedStep,
  applyMigration,
  ChangedRevisionError,
  type ApplyError,
  type ApplyOptions,
  type ApplyRequest,
  type ApplyResult,
  type EditedRevision,
  editedRevisions,
  holdMigrationLock,
  type LedgerEntry,
  MigrationDatabaseError,
  MigrationLockTimeoutError,
  MigrationProgressError,
  type MigrationState,
  MigrationStepError,
  readMigrationState,
  stampMigration,
  type StampMigrationRequest,
  type StampResult
} from "./migrations/runtime/MigrationApply.ts"
export {
  type CheckReport,
  type CheckRequest,
  checkMigrations,
  compareWithSnapshot,
  snapshotDifferences,
  unionOfSnapshots
} from "./migrations/runtime/MigrationCheck.ts"
export {
  declaredObjectNames,
  describeUndeclared,
  type UndeclaredKind,
  type UndeclaredObject,
  undeclaredObjects
} from "./migrations/runtime/UndeclaredObjects.ts"
export {
  type MigrationDirection,
  type MigrationPlan,
  type PlanError,
  planMigration,
  type PlannedStep,
  type PlanRequest,
  planStamp,
  type PlanStatement,
  renderPlanSql,
  renderStampSql,
  type StampPlan,
  type StampRequest,
  resetSession,
  sessionStatements,
  type StatementOptions,
  stepScript,
  type StepScript,
  stepStatements
} from "./migrations/runtime/MigrationPlan.ts"
export {
  buildMetaTableModelRegistry,
  buildMigrationProvider,
  buildVersionMetaTable,
  defaultVersionTableName,
  isMigrationProvider,
  type MigrationProvider,
  type MigrationProviderOptions,
  type ModelSource,
  ProviderDefinitionError,
  type ProviderHook,
  type ProviderHookContext,
  ProviderTypeId,
  type VersionMetaTableOptions,
  versionTableOf
} from "./migrations/Provider.ts"
export {
  discoverProvider,
  importProvider,
  ProviderDiscoveryError,
  ProviderDiscoveryFailure,
  type ProviderReference
} from "./migrations/ProviderDiscovery.ts"
export {
  type CredentialObserver,
  type CurrentReport,
  currentRevision,
  type LifecycleError,
  type LifecycleServices,
  migrateProvider,
  type MigrationOptions,
  type MigrationReport,
  ProviderHookError,
  ProviderPhysicalStateError,
  stampProvider
} from "./migrations/ProviderLifecycle.ts"
export { type DataMigration, type Revision, type RevisionOperation } from "./migrations/files/Revision.ts"
export {
  createMergeRevision,
  createRevision,
  type MergeRevisionOutcome,
  type MergeRevisionRequest,
  type NewRevisionError,
  type NewRevisionOutcome,
  type NewRevisionRequest,
  nextRevisionId,
  RevisionAuthoringError,
  type RevisionPlacement
} from "./migrations/files/RevisionAuthoring.ts"
export {
  readSnapshot,
  renderRevisionModule,
  renderSnapshotFile,
  type RevisionDraft,
  RevisionFileExistsError,
  RevisionPathError,
  revisionFileName,
  SNAPSHOT_FORMAT,
  SnapshotFileError,
  snapshotPathFor,
  writeRevisionFiles
} from "./migrations/files/RevisionFile.ts"
export { type AncestryOptions, RevisionGraph, type RevisionNode } from "./migrations/graph/RevisionGraph.ts"
export {
  AmbiguousPrefix,
  BelowBase,
  BranchesUp,
  DependentRecordedHeads,
  describeRevisionGraphProblem,
  InvalidHistory,
  MalformedTarget,
  MergeDown,
  MergeNeedsBranch,
  MergeNeedsTwo,
  MergeOfNonHead,
  NeedsCurrentState,
  NothingToMerge,
  NotOnBranch,
  OverlappingRevisions,
  PastHead,
  RevisionGraphError,
  RevisionGraphErrorReason,
  RevisionGraphProblem,
  SeveralCurrentHeads,
  SeveralHeads,
  UnknownBranch,
  UnknownRecordedHeads,
  UnknownRevision,
  WrongDirection
} from "./migrations/graph/RevisionGraphError.ts"
export {
  AppliedState,
  headsAfterDowngrade,
  headsAfterUpgrade,
  validateCurrentHeads
} from "./migrations/graph/RevisionHeads.ts"
export {
  compareRevisionIds,
  invalidBranchLabelReason,
  invalidRevisionIdReason,
  RESERVED_REVISION_IDS
} from "./migrations/graph/RevisionId.ts"
export { parseRevisionRange, revisionsInRange } from "./migrations/graph/RevisionRange.ts"
export { stampedHeads, type StampOptions } from "./migrations/graph/RevisionStamp.ts"
export {
  type LoadedRevisions,
  loadRevisions,
  RevisionLoadError,
  RevisionLoadProblem
} from "./migrations/files/RevisionLoader.ts"
export { headsToMerge } from "./migrations/graph/RevisionMerge.ts"
export {
  ScaffoldError,
  type ScaffoldFile,
  scaffoldFiles,
  type ScaffoldOptions,
  scaffoldProvider
} from "./migrations/files/Scaffold.ts"
export {
  downgradeRoots,
  downgradeSteps,
  type RevisionStep,
  type RevisionStepsError,
  upgradeSteps
} from "./migrations/graph/RevisionSteps.ts"
export {
  formatRevisionTarget,
  lookupRevision,
  parseRevisionTarget,
  type RelativeTarget,
  resolveRevisionTarget,
  type ResolvedRevisionTarget,
  resolveSingleRevision,
  type RevisionAnchor,
  type RevisionTarget
} from "./migrations/graph/RevisionTarget.ts"
export {
  createVersionTables,
  ledgerTableName,
  VERSION_COLUMN,
  type VersionTableLocation
} from "./migrations/runtime/VersionTable.ts"

// Storage tables: naming, definers, contracts and the contract hash.
export { canonicalJson, CanonicalJsonError, type CanonicalJsonValue } from "./storage/CanonicalJson.ts"
export {
  backendTypeOf,
  dataTypeTokenOf,
  type DataTypeToken,
  serverDefaultOf
} from "./storage/ColumnTypes.ts"
export {
  ContractColumn,
  ContractExtension,
  contractGrain,
  contractServerDefault,
  ContractTableModel,
  ContractTimeIndexedProfile,
  CONTRACT_VERSION,
  decodeTableContract,
  SDK_UUID_SERVER_DEFAULT,
  StoredTableContract,
  TableContract,
  tableContract
} from "./storage/Contract.ts"
export {
  computeMetaTableContractHash,
  ContractHashError,
  type ContractHashOptions,
  contractHashPayload,
  modelContractHash,
  snapshotContractHash
} from "./storage/ContractHash.ts"
export {
  asDeclared,
  asPostgresWritesThem,
  diffSchemaObjects,
  diffTableShapes,
  type NameSpelling,
  sameSqlType,
  type ShapeDifference,
  type ShapeObjectKind
} from "./storage/ContractDiff.ts"
export { describeDifferences, type DiffWording } from "./storage/ContractDiffText.ts"
export {
  contractShape,
  type EnumShape,
  normalizeExpression,
  type ReferentialAction,
  type SchemaShape,
  type SequenceShape,
  snapshotShape,
  tableKey,
  type TableShape,
  type TableShapeCheck,
  type TableShapeColumn,
  type TableShapeForeignKey,
  type TableShapeIndex,
  type TableShapeKey,
  type TableShapeObjects
} from "./storage/TableShape.ts"
export {
  boundedIdentifier,
  boundedIdentifierResult,
  MAX_IDENTIFIER_LENGTH,
  namespaceVersionSlug,
  normalizeIdentifierPart,
  parseSchemaTableName,
  schemaCheckConstraintName,
  schemaCheckConstraintNameResult,
  schemaForeignKeyName,
  schemaForeignKeyNameResult,
  schemaIndexName,
  schemaIndexNameResult,
  SchemaNameError,
  schemaPrimaryKeyName,
  schemaTableName,
  type SchemaTableNameParts,
  schemaTableNameResult,
  schemaUniqueConstraintName,
  schemaUniqueConstraintNameResult,
  slugifyIdentifier
} from "./storage/Naming.ts"
export {
  bindingKey,
  CurrentMigrationRegistration,
  MigrationManagedTableError,
  type MigrationRegistration,
  registerMetaTable
} from "./storage/Registration.ts"
export { StorageDefinitionError } from "./storage/StorageDefinitionError.ts"
export { storageFactory } from "./storage/StorageFactory.ts"
export {
  applyNamingConvention,
  type ModelObject,
  type SchemaEntity,
  type SchemaObject,
  type SchemaSnapshot,
  SchemaSnapshotError,
  storageSchemaSnapshot
} from "./storage/StorageSchema.ts"
export {
  type AnyStorageTable,
  bindingServiceKey,
  type ColumnInfo,
  type ColumnMetadata,
  type DefinedTable,
  isStorageTable,
  type MetaTableKind,
  type MetaTableMetadata,
  type MetaTableStatus,
  PlatformManagedMetaTable,
  type PlatformManagedDefinition,
  PlatformTimeIndexMetaTable,
  type PlatformTimeIndexDefinition,
  type Provisioning,
  type StorageBinding,
  type StorageInsert,
  type StorageRow,
  StorageTableTypeId,
  type TableConstraints,
  type TimeIndexedProfile
} from "./storage/StorageTable.ts"

// DataNode configurations and node identity: the configuration base, hash exclusion, storage references, the
// canonical form, the update hash and hash namespaces.
export {
  canonicalConfiguration,
  configurationStorageReferences,
  type StorageReferenceUse
} from "./datanode/CanonicalConfiguration.ts"
export {
  ConfigurationDefinitionError,
  ConfigurationProblem,
  ConfigurationProblemReason
} from "./datanode/ConfigurationDefinitionError.ts"
export { ConfigurationHashError } from "./datanode/ConfigurationHashError.ts"
export {
  type AnyDataNode,
  DataNode,
  type DataNodeClass,
  type DataNodeDefinition,
  type DataNodeOptions,
  DataNodeTypeId,
  type DependencyMap,
  type EntityValues,
  isDataNode,
  type NodeOutput,
  type NodeRequirements,
  type NodeRow,
  type NodeWatermarks,
  type ReadRange,
  type StorageOf,
  type UpdateContext
} from "./datanode/DataNode.ts"
export { DataNodeDefinitionError } from "./datanode/DataNodeDefinitionError.ts"
export { DependencyReadError } from "./datanode/DependencyReadError.ts"
export { type ColumnRole, type RowShape, rowShapeOf, type ShapeColumn } from "./datanode/RowShape.ts"
export { type BatchContext, canonicalInstant, entityKeyOf, validateBatch } from "./datanode/RowValidation.ts"
export { RowValidationError } from "./datanode/RowValidationError.ts"
export { type EntityRange, type ValidatedBatch } from "./datanode/ValidatedBatch.ts"
export { type ColumnValues } from "./db/ColumnValues.ts"
export { configurationJsonSchema } from "./datanode/ConfigurationJsonSchema.ts"
export {
  type AnyDataNodeConfiguration,
  type AnyDataNodeConfigurationClass,
  builtInConfigurationFields,
  type ConfigurationFields,
  DataNodeConfiguration,
  type DataNodeConfigurationClass,
  ConfigurationTypeId,
  isDataNodeConfiguration,
  isDataNodeConfigurationClass,
  OffsetStart
} from "./datanode/DataNodeConfiguration.ts"
export { hashExcluded } from "./datanode/HashExcluded.ts"
export {
  CurrentHashNamespace,
  inheritHashNamespace,
  resolveHashNamespace,
  withHashNamespace
} from "./datanode/HashNamespace.ts"
export { HashNamespaceError } from "./datanode/HashNamespaceError.ts"
export { StorageNotBoundError } from "./datanode/StorageNotBoundError.ts"
export { type ConfigurationStorage, StorageReference } from "./datanode/StorageReference.ts"
export {
  computeNodeIdentity,
  computeUpdateHash,
  type NodeIdentity,
  UPDATE_HASH_VERSION,
  type UpdateHashError,
  updateHashOf,
  type UpdateHashInput,
  updateHashPayload
} from "./datanode/UpdateHash.ts"

// The engine: attach to deployed tables, run graphs of nodes, persist their rows.
export { type AttachedTable, Engine, type EngineService } from "./engine/Engine.ts"
export { AttachProblem, AttachRefusal, EngineAttachError } from "./engine/EngineAttachError.ts"
export { importNodes, NodeImportError } from "./engine/NodeImport.ts"
export { collectGraph, type GraphNode, type NodeGraph } from "./engine/NodeGraph.ts"
export { NodeGraphError } from "./engine/NodeGraphError.ts"
export { NodeOutputError } from "./engine/NodeOutputError.ts"
export { graphTables } from "./engine/NodeTables.ts"
export { DEFAULT_BATCH_SIZE, type PersistOutcome, upsertBatch } from "./engine/UpsertBatch.ts"
export { DEFAULT_CONCURRENCY } from "./engine/RunDefaults.ts"
export { isRetryableFailure } from "./engine/RetryableFailure.ts"
export { RunOptionsError } from "./engine/RunOptionsError.ts"
export { nodeName, NodeSelectionError, type SelectableNode, selects } from "./engine/NodeSelector.ts"
export {
  addCadence,
  type BackfillChunk,
  backfillChunks,
  type BackfillOptions,
  DEFAULT_CHUNK_PERIODS,
  InvalidRunTimeError,
  parseRunTime
} from "./engine/Backfill.ts"
export {
  defaultRetry,
  type RunnerError,
  runNodes,
  type RunOptions
} from "./engine/Runner.ts"
export { type NodeLabel, type NodeOutcome, type NodeStatus, type RunEvent, type RunReport } from "./engine/RunReport.ts"
export { type BoundTables, startEngine, type StartEngineError, type StartEngineOptions } from "./engine/StartEngine.ts"

export { METATABLES_VERSION } from "./version.ts"

// serve: keep a graph fresh on effect's cluster (one runner per process), with an HTTP API.
export {
  cadenceMillis,
  type CadenceOptions,
  cadenceOf,
  type CadenceSubject,
  type NodeCadence,
  nextDueAt,
  tableCadenceDuration
} from "./serve/NodeCadence.ts"
export type { RunNodeReply, RunNodeRequest } from "./serve/NodeRunEntity.ts"
export { type NodeCounters, ServeMetrics, type ServeMetricsService } from "./serve/ServeMetrics.ts"
export { type ServeError, serveLayer, serveNodes } from "./serve/ServeNodes.ts"
export { ServeHttpError } from "./serve/ServeHttpError.ts"
export type { MessagePrunePass, MessagePruneOptions, PruneResult } from "./serve/ServeMessagePrune.ts"
export { ServeOptionsError } from "./serve/ServeOptionsError.ts"
export {
  type DispatchStatus,
  type ScheduledNode,
  type SchedulerEvent,
  type SchedulerOptions,
  startScheduler
} from "./serve/ServeScheduler.ts"
export {
  type ServedNode,
  type ServeEvent,
  type ServeHttpOptions,
  type ServeOptions,
  Serving,
  type ServingService
} from "./serve/Serving.ts"
