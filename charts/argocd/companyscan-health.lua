-- Argo CD health check for cira.dev/CompanyScan.
--
-- Install it in argocd-cm under the key
--   resource.customizations.health.cira.dev_CompanyScan
-- (see docs/gitops.md). Written for Lua 5.1 (Argo CD's gopher-lua) and
-- tested with Lua 5.4.
--
--   Completed (also after a stop on
--   request, reason Stopped)           -> Healthy
--   Pending, Queued, Crawling,
--   Extracting, Analyzing, Generating  -> Progressing
--   Paused                             -> Suspended
--   Cancelled                          -> Suspended (ended on purpose by a
--                                         person, not a failure; a rescan
--                                         starts it again)
--   Failed, TimedOut                   -> Degraded
--   no status yet, or a status older
--   than the spec (pause, resume or
--   rescan not yet picked up)          -> Progressing

local function int(x)
  if x == nil then
    return "0"
  end
  return string.format("%d", math.floor(x))
end

local function progress_text(status)
  local p = status.progress
  if p == nil then
    return ""
  end
  return " (" .. int(p.percent) .. "%, " .. int(p.pagesCrawled) .. " pages, "
    .. int(p.entitiesExtracted) .. " entities)"
end

local function with_detail(text, status)
  if status.message ~= nil and status.message ~= "" then
    return text .. ": " .. status.message
  end
  return text
end

local hs = {}
local status = obj.status

if status == nil or status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the CIRA operator to pick up the scan"
  return hs
end

local generation = obj.metadata.generation
if generation ~= nil and status.observedGeneration ~= nil
    and status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the CIRA operator to apply spec generation " .. int(generation)
  return hs
end

local phase = status.phase
local version = int(status.scanVersion)

-- The reason of the Ready condition: the latest transition's reason.
local function ready_reason()
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == "Ready" then
      return c.reason
    end
  end
  return nil
end

if phase == "Completed" then
  local spec = obj.spec or {}
  if spec.rescan ~= nil and status.observedRescan ~= nil and spec.rescan > status.observedRescan then
    hs.status = "Progressing"
    hs.message = "Rescan requested; waiting for scan version " .. int(status.scanVersion + 1)
    return hs
  end
  hs.status = "Healthy"
  local text = "Scan version " .. version .. " completed"
  if ready_reason() == "Stopped" then
    text = "Scan version " .. version .. " stopped on request and completed"
  end
  if status.progress ~= nil then
    text = text .. ": " .. int(status.progress.pagesCrawled) .. " pages, "
      .. int(status.progress.entitiesExtracted) .. " entities"
  end
  if status.report ~= nil and status.report.configMap ~= nil and status.report.configMap ~= "" then
    text = text .. "; report in ConfigMap " .. status.report.configMap
  end
  hs.message = text
  return hs
end

if phase == "Paused" then
  hs.status = "Suspended"
  hs.message = "Paused at scan version " .. version .. progress_text(status)
    .. "; set spec.desiredState to Running to resume"
  return hs
end

if phase == "Cancelled" then
  hs.status = "Suspended"
  hs.message = "Scan version " .. version .. " was cancelled" .. progress_text(status)
    .. "; it has no report. Raise spec.rescan (with desiredState Running) to scan again"
  return hs
end

if phase == "Failed" then
  hs.status = "Degraded"
  hs.message = with_detail("Scan version " .. version .. " failed", status)
  return hs
end

if phase == "TimedOut" then
  hs.status = "Degraded"
  hs.message = with_detail("Scan version " .. version .. " timed out", status)
    .. "; raise spec.timeout to resume"
  return hs
end

if phase == "Queued" then
  hs.status = "Progressing"
  if status.queuePosition ~= nil then
    hs.message = "Queued at position " .. int(status.queuePosition)
  else
    hs.message = "Queued"
  end
  return hs
end

if phase == "Pending" or phase == "Crawling" or phase == "Extracting"
    or phase == "Analyzing" or phase == "Generating" then
  hs.status = "Progressing"
  hs.message = phase .. progress_text(status)
  return hs
end

hs.status = "Unknown"
hs.message = "Unknown phase " .. tostring(phase)
return hs
