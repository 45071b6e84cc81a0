-- Shared pieces of the Neovim end-to-end scripts (run by tests/editors/test_neovim.py).
--
-- Environment: BL_PLUGIN (editors/neovim), BL_WORKSPACE (copy of the test workspace),
-- BL_RESULT (JSON file the Python test reads), BL_SERVER_CMD (JSON list: the server command;
-- with BL_DEFAULT_CMD set, the plugin's default command is used instead, with BL_PYTHON
-- as its `python`).
-- A script calls T.run(function(result) ... end): whatever it puts in `result`
-- is written to BL_RESULT, also when it fails (then with `error` set and exit status 1).
local T = {}

T.plugin = assert(vim.env.BL_PLUGIN, "BL_PLUGIN not set")
T.workspace = assert(vim.env.BL_WORKSPACE, "BL_WORKSPACE not set")
T.result_path = assert(vim.env.BL_RESULT, "BL_RESULT not set")
T.server_cmd = vim.json.decode((assert(vim.env.BL_SERVER_CMD, "BL_SERVER_CMD not set")))
if vim.env.BL_DEFAULT_CMD then
  T.server_cmd = nil
end
-- PYTHONPATH as the user's Neovim has it (not given to the `nvim` launcher itself,
-- which may be a Python script)
if vim.env.BL_PYTHONPATH then
  vim.env.PYTHONPATH = vim.env.BL_PYTHONPATH
end
T.timeout = tonumber(vim.env.BL_TIMEOUT or "") or 15000
T.views = T.workspace .. "/shop/views.py"

vim.opt.rtp:prepend(T.plugin)
-- no prompts in a headless editor
vim.o.swapfile = false
vim.o.more = false
vim.o.shortmess = vim.o.shortmess .. "F"

local started = vim.uv.hrtime()
local function elapsed_ms()
  return math.floor((vim.uv.hrtime() - started) / 1e6)
end
T.elapsed_ms = elapsed_ms

-- What the user saw: notifications and every publishDiagnostics the client got.
T.notifications = {}
local original_notify = vim.notify
vim.notify = function(msg, level, opts)
  table.insert(T.notifications, { message = tostring(msg), level = level, at_ms = elapsed_ms() })
  return original_notify(msg, level, opts)
end

T.publishes = {}
local original_publish = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, params, ctx, config)
  local codes = {}
  for _, d in ipairs(params and params.diagnostics or {}) do
    table.insert(codes, d.code)
  end
  table.insert(T.publishes, {
    client_id = ctx.client_id,
    uri = params and params.uri,
    version = params and params.version,
    codes = codes,
    at_ms = elapsed_ms(),
  })
  return original_publish(err, params, ctx, config)
end

--- The diagnostics of a buffer as plain tables.
function T.diagnostics(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(out, {
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      code = d.code,
      source = d.source,
      severity = d.severity,
      message = d.message,
    })
  end
  table.sort(out, function(a, b)
    return a.lnum < b.lnum
  end)
  return out
end

function T.codes(bufnr)
  local codes = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(codes, d.code)
  end
  table.sort(codes)
  return codes
end

function T.has_code(bufnr, code)
  return vim.tbl_contains(T.codes(bufnr), code)
end

--- Waits for a condition; returns whether it held and how long it took (ms).
function T.wait(condition, timeout)
  local t0 = vim.uv.hrtime()
  local ok = vim.wait(timeout or T.timeout, condition, 20)
  return ok, math.floor((vim.uv.hrtime() - t0) / 1e6)
end

function T.clients(bufnr)
  local out = {}
  for _, client in ipairs(vim.lsp.get_clients({ bufnr = bufnr })) do
    table.insert(out, { id = client.id, name = client.name, root_dir = client.config.root_dir })
  end
  return out
end

function T.client(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr, name = "backend_lens" })[1]
end

--- setup() with the test's server command, then opens shop/views.py.
--- With BL_LEGACY set, the plugin takes the path of Neovim < 0.11 (vim.lsp.start
--- from its own FileType autocommand) even on a newer Neovim.
function T.setup_and_open(opts)
  if vim.env.BL_LEGACY then
    require("backend_lens").uses_lsp_config = function()
      return false
    end
  end
  opts = vim.tbl_extend("force", { cmd = T.server_cmd, python = vim.env.BL_PYTHON }, opts or {})
  require("backend_lens").setup(opts)
  vim.cmd.edit(vim.fn.fnameescape(T.views))
  return vim.api.nvim_get_current_buf()
end

--- Opens views.py with the plugin set up and waits for the three known findings.
function T.open_with_diagnostics(result)
  local bufnr = T.setup_and_open()
  result.filetype = vim.bo[bufnr].filetype
  local ok, ms = T.wait(function()
    return T.has_code(bufnr, "INT001") and #vim.diagnostic.get(bufnr) >= 3
  end)
  result.first_diagnostics_ms = ms
  result.clients = T.clients(bufnr)
  result.diagnostics = T.diagnostics(bufnr)
  assert(ok, "no INT001 diagnostic (and two others) within the timeout")
  return bufnr
end

function T.windows()
  local out = {}
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    table.insert(out, vim.api.nvim_buf_get_name(vim.api.nvim_win_get_buf(win)))
  end
  return out
end

local function write_result(result)
  result.notifications = T.notifications
  result.publishes = T.publishes
  result.total_ms = elapsed_ms()
  local fh = assert(io.open(T.result_path, "w"))
  fh:write(vim.json.encode(result))
  fh:close()
end

function T.run(body)
  local result = {}
  local ok, err = xpcall(body, debug.traceback, result)
  if not ok then
    result.error = tostring(err)
  end
  local written, werr = pcall(write_result, result)
  if not written then
    io.stderr:write("could not write the result: " .. tostring(werr) .. "\n")
  end
  for _, client in ipairs(vim.lsp.get_clients()) do
    pcall(function()
      client:stop(true)
    end)
  end
  vim.cmd((ok and written) and "qall!" or "cquit 1")
end

return T
