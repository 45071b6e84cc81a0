-- settings reach the server at start-up (init_options), and a second setup()
-- sends the new ones to the running server (workspace/didChangeConfiguration).
local T = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "common.lua"))

T.run(function(result)
  local bufnr = T.setup_and_open({ settings = { ignore = { "DBP" }, severity = { INT001 = "error" } } })
  local ok, ms = T.wait(function()
    return T.has_code(bufnr, "INT001") and T.has_code(bufnr, "ORM001")
  end)
  result.first_ms = ms
  result.first = T.diagnostics(bufnr)
  assert(ok, "no INT001 and ORM001 with the first settings")
  local client = assert(T.client(bufnr), "no client")
  result.init_options = client.config.init_options
  local first_id = client.id

  require("backend_lens").setup({ cmd = T.server_cmd, settings = { ignore = { "INT001" } } })
  ok, ms = T.wait(function()
    return not T.has_code(bufnr, "INT001") and T.has_code(bufnr, "DBP001") and T.has_code(bufnr, "ORM001")
  end)
  result.second_ms = ms
  result.second = T.diagnostics(bufnr)
  result.same_client = T.client(bufnr) ~= nil and T.client(bufnr).id == first_id
  assert(ok, "the second settings did not take effect")
  -- what a restarted server would get: the new settings only, not merged with the old ones
  if require("backend_lens").uses_lsp_config() then
    result.stored_init_options = vim.lsp.config.backend_lens.init_options
  end
end)
