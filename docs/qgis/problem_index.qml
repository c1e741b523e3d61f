<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.34.0" styleCategories="Symbology">
  <renderer-v2 type="RuleRenderer" symbollevels="0" forceraster="0">
    <rules key="root">
      <rule key="r0" label="Inga eller små problem (&lt; 1.5)" symbol="0" filter="&quot;index&quot; = 'problem_index' AND &quot;estimate&quot; &lt; 1.5" />
      <rule key="r1" label="Vissa problem (1.5–3)" symbol="1" filter="&quot;index&quot; = 'problem_index' AND &quot;estimate&quot; &gt;= 1.5 AND &quot;estimate&quot; &lt; 3" />
      <rule key="r2" label="Stora problem (≥ 3)" symbol="2" filter="&quot;index&quot; = 'problem_index' AND &quot;estimate&quot; &gt;= 3" />
    </rules>
    <symbols>
      <symbol type="fill" name="0" alpha="1" clip_to_extent="1">
        <layer class="SimpleFill" enabled="1">
          <Option type="Map">
            <Option type="QString" name="color" value="26,152,80,255" />
            <Option type="QString" name="outline_color" value="85,85,85,255" />
            <Option type="QString" name="outline_width" value="0.26" />
            <Option type="QString" name="outline_width_unit" value="MM" />
            <Option type="QString" name="style" value="solid" />
          </Option>
        </layer>
      </symbol>
      <symbol type="fill" name="1" alpha="1" clip_to_extent="1">
        <layer class="SimpleFill" enabled="1">
          <Option type="Map">
            <Option type="QString" name="color" value="254,224,139,255" />
            <Option type="QString" name="outline_color" value="85,85,85,255" />
            <Option type="QString" name="outline_width" value="0.26" />
            <Option type="QString" name="outline_width_unit" value="MM" />
            <Option type="QString" name="style" value="solid" />
          </Option>
        </layer>
      </symbol>
      <symbol type="fill" name="2" alpha="1" clip_to_extent="1">
        <layer class="SimpleFill" enabled="1">
          <Option type="Map">
            <Option type="QString" name="color" value="215,48,39,255" />
            <Option type="QString" name="outline_color" value="85,85,85,255" />
            <Option type="QString" name="outline_width" value="0.26" />
            <Option type="QString" name="outline_width_unit" value="MM" />
            <Option type="QString" name="style" value="solid" />
          </Option>
        </layer>
      </symbol>
    </symbols>
  </renderer-v2>
</qgis>
