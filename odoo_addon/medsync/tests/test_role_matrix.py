# filled by the controls work (issue 14)
