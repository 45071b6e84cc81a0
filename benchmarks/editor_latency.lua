-- Driven by benchmarks/editor_latency.py inside a headless Neovim: the plugin's
-- setup(), the large module opened, then one-character edits typed into the
-- buffer; for each, the time from the edit to the publishDiagnostics of the
-- buffer's new version reaching Neovim's handler (which displays them).
local env = vim.env
vim.opt.rtp:prepend(env.BL_PLUGIN)
vim.o.swapfile = false
local out = { edits = {} }
local function finish(code)
  local fh = assert(io.open(env.BL_RESULT, "w"))
  fh:write(vim.json.encode(out))
  fh:close()
  vim.cmd("cquit " .. code)
end

local arrived = {} -- version -> hrtime of the publish for the views buffer
local views_uri = vim.uri_from_fname(env.BL_FILE)
local original = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, params, ctx, config)
  local result = original(err, params, ctx, config)
  if params and params.uri == views_uri and params.version then
    arrived[params.version] = vim.uv.hrtime()
  end
  return result
end

require("backend_lens").setup({ cmd = vim.json.decode(env.BL_SERVER_CMD) })
local debounce = tonumber(env.BL_DEBOUNCE)
if debounce and vim.lsp.config then
  vim.lsp.config("backend_lens", { flags = { debounce_text_changes = debounce } })
end

local t_open = vim.uv.hrtime()
vim.cmd.edit(env.BL_FILE)
local buf = vim.api.nvim_get_current_buf()
local function version()
  local versions = vim.lsp.util.buf_versions
  return (versions and versions[buf]) or vim.b[buf].changedtick
end
if not vim.wait(60000, function() return arrived[version()] ~= nil end, 5) then
  out.error = "no diagnostics for the opened file"
  finish(1)
end
out.first_ms = (arrived[version()] - t_open) / 1e6

local sites = vim.json.decode(env.BL_SITES)
for _, site in ipairs(sites) do
  local line, col, text = site[1], site[2], site[3]
  for _, step in ipairs({ "insert", "delete" }) do
    local t0 = vim.uv.hrtime()
    if step == "insert" then
      vim.api.nvim_buf_set_text(buf, line, col, line, col, { text })
    else
      vim.api.nvim_buf_set_text(buf, line, col, line, col + #text, { "" })
    end
    local v = version()
    if not vim.wait(30000, function() return arrived[v] ~= nil end, 1) then
      local seen = vim.tbl_keys(arrived)
      table.sort(seen)
      out.error = ("no diagnostics for version %d at line %d col %d (%s); versions seen: %s"):format(
        v, line, col, step, table.concat(seen, ","))
      finish(1)
    end
    table.insert(out.edits, (arrived[v] - t0) / 1e6)
  end
end
out.diagnostics = #vim.diagnostic.get(buf)
finish(0)
