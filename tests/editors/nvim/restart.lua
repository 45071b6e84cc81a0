-- (e) :BackendLensRestart stops the client and starts a new one that publishes again.
local T = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "common.lua"))

T.run(function(result)
  local bufnr = T.open_with_diagnostics(result)
  local old = assert(T.client(bufnr), "no client before the restart")
  result.old_id = old.id
  local published_before = #T.publishes
  vim.cmd("BackendLensRestart")
  local ok, ms = T.wait(function()
    local new = T.client(bufnr)
    if not new or new.id == old.id then
      return false
    end
    for i = published_before + 1, #T.publishes do
      local p = T.publishes[i]
      if p.client_id == new.id and vim.tbl_contains(p.codes, "INT001") then
        return true
      end
    end
    return false
  end)
  result.restarted = ok
  result.restart_ms = ms
  local new = T.client(bufnr)
  result.new_id = new and new.id
  result.old_stopped = old:is_stopped()
  result.clients_after = T.clients(bufnr)
  result.all_clients = #vim.lsp.get_clients({ name = "backend_lens" })
  result.diagnostics_after = T.diagnostics(bufnr)
end)
