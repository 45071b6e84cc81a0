-- (b) The INT001 quick fix adds a timeout; the new diagnostics drop INT001 only.
local T = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "common.lua"))

T.run(function(result)
  local bufnr = T.open_with_diagnostics(result)
  local client = assert(T.client(bufnr), "no backend_lens client attached")
  local target
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == "INT001" then
      target = d
    end
  end
  assert(target, "no INT001 diagnostic")

  -- what a user gets with the cursor on the diagnostic and vim.lsp.buf.code_action()
  vim.api.nvim_win_set_cursor(0, { target.lnum + 1, target.col })
  local lsp_diagnostic = target.user_data and target.user_data.lsp
  local params = {
    textDocument = vim.lsp.util.make_text_document_params(bufnr),
    range = {
      start = { line = target.lnum, character = target.col },
      ["end"] = { line = target.end_lnum, character = target.end_col },
    },
    context = { diagnostics = { lsp_diagnostic }, only = { "quickfix" } },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, T.timeout) or {}
  local actions = {}
  for _, response in pairs(responses) do
    assert(not response.err, "codeAction failed: " .. vim.inspect(response.err))
    for _, action in ipairs(response.result or {}) do
      table.insert(actions, action)
    end
  end
  result.actions = vim.tbl_map(function(a)
    return { title = a.title, kind = a.kind, has_edit = a.edit ~= nil, has_command = a.command ~= nil }
  end, actions)
  local chosen
  for _, action in ipairs(actions) do
    if action.kind == "quickfix" and action.edit and action.title:lower():find("timeout") then
      chosen = action
    end
  end
  assert(chosen, "no quick fix with an edit mentioning a timeout")
  result.applied = chosen.title

  local before_version = vim.lsp.util.buf_versions[bufnr]
  vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
  result.line_15 = vim.api.nvim_buf_get_lines(bufnr, 14, 15, false)[1]
  local version = vim.lsp.util.buf_versions[bufnr]
  result.versions = { before = before_version, after = version }

  -- new diagnostics for the changed buffer: a publish with the buffer's new version
  local uri = vim.uri_from_bufnr(bufnr)
  local ok, ms = T.wait(function()
    for _, p in ipairs(T.publishes) do
      if p.uri == uri and p.version == version then
        return true
      end
    end
    return false
  end)
  result.republished = ok
  result.republish_ms = ms
  result.diagnostics_after = T.diagnostics(bufnr)
  result.modified = vim.bo[bufnr].modified
end)
